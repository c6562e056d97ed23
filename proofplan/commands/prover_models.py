"""CLI commands: prover_models."""
