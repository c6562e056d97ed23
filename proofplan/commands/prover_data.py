"""CLI commands: prover_data."""
