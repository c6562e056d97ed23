"""Lean 4 backends of :class:`prover.env.ProofEnv`.

* :mod:`prover.lean.repl`: ad-hoc theorems over the leanprover-community REPL JSON protocol
  (``lake exe repl``), with a direct client (:mod:`prover.lean.protocol`,
  :mod:`prover.lean.transport`).
* :mod:`prover.lean.dojo`: theorems of traced repositories through ``lean_dojo.Dojo``.
* :mod:`prover.lean.guard`: the tactic guard's Lean rules.
* :mod:`prover.lean.replay`: answers REPL requests from recorded transcripts (tests and demos
  without Lean).
"""
