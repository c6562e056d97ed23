"""Theorem proving from Python, one folder per stage of the pipeline:

* :mod:`prover.env` (the ``ProofEnv`` seam and its types) and :mod:`prover.guard` (the tactic
  guard every backend applies); backends in :mod:`prover.coq` and :mod:`prover.lean`;
* :mod:`prover.data`: traced proof data (LeanDojo Benchmark 4 schema), datasets and splits;
* :mod:`prover.models`: tactic generators, premise retriever, progress predictor;
* :mod:`prover.search`: best-first search, configurations, baselines, evaluation, Ray runs,
  the leak check.
"""
