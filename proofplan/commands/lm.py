"""CLI commands: lm."""
