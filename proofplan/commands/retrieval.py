"""CLI commands: retrieval."""
