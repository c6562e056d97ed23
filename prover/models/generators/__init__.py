"""Tactic generators behind :class:`prover.models.common.TacticGenerator`.

* :mod:`prover.models.generators.byt5`: byte-level T5 trained from scratch (premises + state in);
* :mod:`prover.models.generators.knn`: tactics of the most similar traced states (k-NN);
* :mod:`prover.models.generators.lm_backed`: any model behind ``lm/`` (local or vLLM server);
* :mod:`prover.models.generators.combined`: a weighted mixture of generators.

The shipped defaults live in ``data/models/generator/`` (seq2seq weights at the top, the k-NN
index in ``knn/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from common.errors import ProofplanError
from common.paths import data_dir
from prover.models.common import TacticGenerator

GeneratorKind = Literal["byt5", "knn", "mixture"]
GENERATOR_KINDS: tuple[str, ...] = ("byt5", "knn", "mixture")


def default_generator_dir() -> Path:
    return data_dir() / "models" / "generator"


def load_generator(kind: str = "mixture", folder: Path | None = None, *, device: str = "cpu") -> TacticGenerator:
    """A trained generator from ``folder`` (default: the shipped one): the seq2seq model, the
    k-NN index, or their equal-weight mixture."""
    if kind not in GENERATOR_KINDS:
        raise ProofplanError(f"unknown generator {kind!r}; expected one of {', '.join(GENERATOR_KINDS)}")
    folder = Path(folder) if folder is not None else default_generator_dir()
    if kind == "byt5":
        from prover.models.generators.byt5 import ByT5Generator

        return ByT5Generator.load(folder, device=device)
    if kind == "knn":
        from prover.models.generators.knn import KnnGenerator

        return KnnGenerator.load(folder / "knn")
    from prover.models.generators.combined import MixtureGenerator

    return MixtureGenerator([load_generator("byt5", folder, device=device), load_generator("knn", folder)])
