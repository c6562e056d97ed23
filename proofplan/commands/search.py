"""CLI commands: search."""
