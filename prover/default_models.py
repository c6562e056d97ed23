"""The trained parts a search configuration loads: tactic generator, premise retriever, progress
model. They live under one models folder (default ``data/models``): ``generator/``,
``retriever/`` and ``progress/``, as written by the training commands."""

from __future__ import annotations

from pathlib import Path

from proofplan.errors import ProofplanError
from proofplan.paths import data_dir
from prover.common import ProgressModel, TacticGenerator
from prover.search import PremiseSource


def models_root(models_dir: Path | None = None) -> Path:
    root = Path(models_dir) if models_dir is not None else data_dir() / "models"
    if not root.is_dir():
        raise ProofplanError(f"models folder {root} does not exist (train the models or pass --models-dir)")
    return root


def tactic_generator(models_dir: Path | None = None, kind: str = "mixture") -> TacticGenerator:
    """The trained generator (``byt5``, ``knn`` or their ``mixture``) of ``<models>/generator``."""
    from prover.generators import load_generator

    return load_generator(kind, models_root(models_dir) / "generator")


def progress_model(models_dir: Path | None = None) -> ProgressModel:
    """The progress predictor of ``<models>/progress``."""
    from prover.progress import ProgressPredictor

    return ProgressPredictor.load(models_root(models_dir) / "progress")


def premise_source(models_dir: Path | None = None, k: int = 8) -> PremiseSource:
    """A function from a goal state to the texts of the ``k`` premises retrieved for it."""
    try:
        from prover import premise_retriever
    except ImportError as exc:
        raise ProofplanError("the premise retriever (prover.premise_retriever) is not available") from exc
    retriever = premise_retriever.load_retriever(models_root(models_dir) / "retriever")

    def retrieve(state: str) -> list[str]:
        return retriever.premise_texts(state, k)

    return retrieve
