"""CLI commands: travel."""
