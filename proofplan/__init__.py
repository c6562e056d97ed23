"""proofplan: LLM-guided theorem proving and natural-language planning with symbolic solvers."""

__version__ = "0.1.0"
