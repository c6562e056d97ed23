"""CLI commands: api."""
