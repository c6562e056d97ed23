"""The Coq backend: a sentence splitter, a ``coqtop -emacs`` driver, :class:`CoqEnv`, and the
standard-library tracer that writes LeanDojo-format datasets."""

from prover.coq.env import CoqEnv, run_coqc

__all__ = ["CoqEnv", "run_coqc"]
