"""The default models shipped in data/models/ load offline and give sane outputs."""

from __future__ import annotations

import json
import math

import pytest
from safetensors import safe_open

from common.paths import data_dir
from prover.models.generators import load_generator
from prover.models.progress import ProgressPredictor

MODELS = data_dir() / "models"
STATE = "n : nat\n============================\nn + 0 = n"

pytestmark = pytest.mark.skipif(not (MODELS / "generator" / "model.safetensors").is_file(),
                                reason="no shipped generator")


def test_shipped_files_are_float16_and_small():
    total = sum(p.stat().st_size for d in ("generator", "progress") for p in (MODELS / d).rglob("*") if p.is_file())
    assert total <= 60e6
    for path in (MODELS / "generator" / "model.safetensors", MODELS / "progress" / "model.safetensors"):
        with safe_open(str(path), "np") as fh:
            assert {str(fh.get_tensor(k).dtype) for k in fh.keys()} == {"float16"}
    for d in ("generator", "progress"):
        assert json.loads((MODELS / d / "provenance.json").read_text())["split"] == "random"
        assert (MODELS / d / "MODEL_CARD.md").is_file()


def test_default_generators_rank_with_finite_logprobs():
    for kind in ("byt5", "knn", "mixture"):
        candidates = load_generator(kind).suggest(STATE, [], 8)
        assert candidates, kind
        scores = [c.logprob for c in candidates]
        assert scores == sorted(scores, reverse=True) and all(math.isfinite(s) for s in scores)


def test_default_progress_model():
    predictor = ProgressPredictor.load(MODELS / "progress")
    steps = predictor.remaining_steps(STATE)
    assert math.isfinite(steps) and steps >= 1
    assert sum(predictor.bin_distribution(STATE).values()) == pytest.approx(1.0, abs=1e-5)
