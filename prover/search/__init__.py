"""Proof search and its evaluation: best-first search, the named configurations, automation
baselines, benchmark runs (single process or Ray), and the leak check of benchmark proofs.

Importing this package loads nothing heavy: :mod:`prover.search.defaults` is read by the CLI at
start-up."""
