"""Theorem proving from Python: proof environments (Coq, Lean 4), traced proof data, premise
retrieval, tactic generation, progress prediction and best-first proof search."""
