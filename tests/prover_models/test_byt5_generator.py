"""The byte-level T5 generator: training lowers the loss, save/load round-trips, log-probs are
real (sum of token log-probs), sorted and finite."""

from __future__ import annotations

import math

import pytest

from prover.models.common import TacticCandidate, TacticGenerator
from prover.models.generators.byt5 import ByT5Generator, ModelLoadError
from prover.models.generators.pipeline import load_examples
from prover.models.generators.training import GeneratorTrainer


def test_training_lowers_validation_loss(trained_generator):
    trainer, report, _ = trained_generator
    from prover.models.generators.byt5 import new_model

    initial = trainer.validation_loss(new_model(trainer.config.size, seed=0))
    assert report.steps == 60
    assert report.best_val_loss < initial - 1.0
    losses = [h["val_loss"] for h in report.history]
    assert losses[-1] < losses[0]


def test_log_probs_sorted_finite_and_real(trained_generator):
    trainer, _, val = trained_generator
    gen = trainer.best_generator()
    assert isinstance(gen, TacticGenerator)
    states = [e.state for e in val[:6]]
    premises = [list(e.premises) for e in val[:6]]
    out = gen.suggest_batch(states, premises, 8)
    assert len(out) == 6
    for candidates, state, prem in zip(out, states, premises, strict=True):
        assert candidates and len(candidates) <= 8
        scores = [c.logprob for c in candidates]
        assert all(math.isfinite(s) and s <= 0 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert len({c.tactic for c in candidates}) == len(candidates)
        # The score is the model's own log-probability of the tactic (teacher forcing).
        inputs = gen.encode_inputs([state], [prem])
        forced = gen.sequence_logprobs(inputs, [candidates[0].tactic])[0]
        assert forced == pytest.approx(candidates[0].logprob, abs=1e-2)


def test_learns_the_fixture_tactics(trained_generator):
    trainer, _, val = trained_generator
    gen = trainer.best_generator()
    out = gen.suggest_batch([e.state for e in val], [list(e.premises) for e in val], 8)
    hits = sum(e.tactic in [c.tactic for c in cands] for e, cands in zip(val, out, strict=True))
    assert hits >= len(val) // 3


def test_save_and_load_give_same_outputs(trained_generator, tmp_path):
    trainer, _, val = trained_generator
    gen = trainer.best_generator()
    states, premises = [e.state for e in val[:4]], [list(e.premises) for e in val[:4]]
    gen.save(tmp_path / "fp32", float16=False)
    again = ByT5Generator.load(tmp_path / "fp32")
    assert again.settings == gen.settings
    assert again.suggest_batch(states, premises, 4) == gen.suggest_batch(states, premises, 4)
    # float16 export: the reloaded model equals the original with its weights rounded to fp16.
    gen.save(tmp_path / "fp16", float16=True)
    assert (tmp_path / "fp16" / "model.safetensors").stat().st_size < (tmp_path / "fp32" / "model.safetensors").stat().st_size * 0.6
    half = ByT5Generator.load(tmp_path / "fp16")
    rounded = ByT5Generator.load(tmp_path / "fp32")
    rounded.model.load_state_dict({k: v.half().float() for k, v in rounded.model.state_dict().items()})
    assert half.suggest_batch(states, premises, 4) == rounded.suggest_batch(states, premises, 4)


def test_resume_continues_from_checkpoint(trained_generator, coq_dataset, tmp_path):
    trainer, _, val = trained_generator
    from dataclasses import replace

    config = replace(trainer.config, out_dir=tmp_path, max_steps=8, eval_every=4)
    train = load_examples(coq_dataset, "random", "train", max_tactic_bytes=32)
    first = GeneratorTrainer(train, val, replace(config, max_minutes=0.0001)).train(resume=False, progress=False)
    assert first.steps == 1 and first.stopped == "time limit reached"
    second = GeneratorTrainer(train, val, config).train(resume=True, progress=False)
    assert second.steps == 8
    assert second.history[0]["step"] == 1


def test_k_zero_and_errors(trained_generator, tmp_path):
    trainer, _, _ = trained_generator
    gen = trainer.best_generator()
    assert gen.suggest("x : nat\n============================\nx = x", [], 0) == []
    no_marker = gen.suggest("x = x", [], 2)  # a state without a goal marker still decodes
    assert len(no_marker) <= 2 and len({c.tactic for c in no_marker}) == len(no_marker)
    assert all(isinstance(c, TacticCandidate) and c.logprob <= 0 for c in no_marker)
    with pytest.raises(ModelLoadError):
        ByT5Generator.load(tmp_path / "missing")
