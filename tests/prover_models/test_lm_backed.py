"""The lm/-backed generator over a real local transformers model (our tiny T5 behind
lm.hf_local.HFLocalModel): same tactics and scores as the native seq2seq generator."""

from __future__ import annotations

import math

from lm.hf_local import HFLocalModel
from prover.models.generators.lm_backed import TEMPLATES, LMGenerator, PromptTemplate, first_tactic


def test_first_tactic_takes_one_line():
    assert first_tactic("```coq\nintros n.\nsimpl.\n```") == "intros n."
    assert first_tactic("\n\n  lia.  \n") == "lia."
    assert first_tactic("") == ""


def test_prompt_templates():
    state = "n : nat\n============================\nn + 0 = n"
    gen = LMGenerator(object(), "goal-proofstep")
    assert gen.prompt(state, ["Nat.add_0_r : forall n, n + 0 = n"]) == (
        "[P] Nat.add_0_r : forall n, n + 0 = n\n[GOAL]" + state + "[PROOFSTEP]"
    )
    custom = LMGenerator(object(), PromptTemplate("mine", "Goal: {state}\nTactic:", max_state_bytes=20))
    assert custom.prompt(state, []).endswith("n + 0 = n\nTactic:")
    assert set(TEMPLATES) >= {"byt5", "goal-proofstep", "instruct"}


def test_lm_backed_matches_native_generator(trained_generator):
    trainer, _, val = trained_generator
    native = trainer.best_generator()
    backend = HFLocalModel(native.model, native.tokenizer, device="cpu")
    template = PromptTemplate("byt5", kind="byt5", max_state_bytes=native.settings.max_input_bytes)
    wrapped = LMGenerator(backend, template, max_new_tokens=native.settings.max_decode_bytes + 1)
    states, premises = [e.state for e in val[:5]], [list(e.premises) for e in val[:5]]
    assert [wrapped.prompt(s, p) for s, p in zip(states, premises, strict=True)] == native.encode_inputs(states, premises)
    a = native.suggest_batch(states, premises, 4)
    b = wrapped.suggest_batch(states, premises, 4)
    assert b == a
    for candidates in b:
        scores = [c.logprob for c in candidates]
        assert candidates and scores == sorted(scores, reverse=True) and all(math.isfinite(s) for s in scores)
