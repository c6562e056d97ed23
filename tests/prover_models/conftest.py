"""A small Coq-style traced dataset (LeanDojo layout) written with prover.data.dataset, shared by the
model tests. Proofs follow real Coq idioms; premises are real stdlib lemma names."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from prover.data.dataset import write_dataset
from prover.data.records import CorpusFile, CorpusPremise, PremiseRef, TracedTactic, TracedTheorem

LEMMAS = {
    "Nat.add_comm": "Lemma add_comm : forall n m : nat, n + m = m + n.",
    "Nat.mul_comm": "Lemma mul_comm : forall n m : nat, n * m = m * n.",
    "Nat.add_0_r": "Lemma add_0_r : forall n : nat, n + 0 = n.",
    "Nat.add_assoc": "Lemma add_assoc : forall n m p : nat, n + (m + p) = n + m + p.",
    "Nat.le_refl": "Lemma le_refl : forall n : nat, n <= n.",
    "Nat.mul_1_r": "Lemma mul_1_r : forall n : nat, n * 1 = n.",
}


def _goal(hyps: list[str], goal: str) -> str:
    return "\n".join(hyps) + "\n============================\n" + goal


def _ref(name: str) -> PremiseRef:
    return PremiseRef(full_name=name, def_path="Arith/PeanoNat.v", def_pos=(1, 1), def_end_pos=(1, 2))


def _theorem(i: int, rng: random.Random) -> TracedTheorem:
    v = rng.choice(["n", "m", "k", "x", "y"])
    w = rng.choice(["a", "b", "c"])
    kind = i % 4
    if kind == 0:
        lemma = rng.choice(["Nat.add_comm", "Nat.mul_comm"])
        op = "+" if "add" in lemma else "*"
        steps = [
            (f"intros {v} {w}.", _goal([], f"forall {v} {w} : nat, {v} {op} {w} = {w} {op} {v}"), []),
            (f"apply {lemma}.", _goal([f"{v}, {w} : nat"], f"{v} {op} {w} = {w} {op} {v}"), [lemma]),
        ]
    elif kind == 1:
        steps = [
            (f"intros {v}.", _goal([], f"forall {v} : nat, {v} + 0 = {v}"), []),
            ("rewrite Nat.add_0_r.", _goal([f"{v} : nat"], f"{v} + 0 = {v}"), ["Nat.add_0_r"]),
            ("reflexivity.", _goal([f"{v} : nat"], f"{v} = {v}"), []),
        ]
    elif kind == 2:
        steps = [
            (f"intros {v}.", _goal([], f"forall {v} : nat, {v} <= {v}"), []),
            ("apply Nat.le_refl.", _goal([f"{v} : nat"], f"{v} <= {v}"), ["Nat.le_refl"]),
        ]
    else:
        n = rng.randint(2, 9)
        steps = [(f"intros {v}.", _goal([], f"forall {v} : nat, {v} * 1 + {n} = {n} + {v}"), [])]
        steps.append(("rewrite Nat.mul_1_r.", _goal([f"{v} : nat"], f"{v} * 1 + {n} = {n} + {v}"), ["Nat.mul_1_r"]))
        steps.append(("lia.", _goal([f"{v} : nat"], f"{v} + {n} = {n} + {v}"), []))
    traced = []
    for j, (tac, before, prem) in enumerate(steps):
        after = steps[j + 1][1] if j + 1 < len(steps) else "no goals"
        traced.append(TracedTactic(tactic=tac, annotated_tactic=(tac, [_ref(p) for p in prem]),
                                   state_before=before, state_after=after))
    return TracedTheorem(url="https://github.com/coq/coq", commit="V8.16.1", file_path=f"theories/T{i % 5}.v",
                         full_name=f"lemma_{i}", start=(i * 10 + 1, 1), end=(i * 10 + 5, 4), traced_tactics=traced)


@pytest.fixture(scope="session")
def coq_dataset(tmp_path_factory) -> Path:
    rng = random.Random(7)
    theorems = [_theorem(i, rng) for i in range(120)]
    corpus = [CorpusFile(path="Arith/PeanoNat.v", imports=[], premises=[
        CorpusPremise(full_name=name, code=code, start=(k + 1, 1), end=(k + 1, 40), kind="Lemma")
        for k, (name, code) in enumerate(LEMMAS.items())])]
    corpus += [CorpusFile(path=f"theories/T{i}.v", imports=["Arith/PeanoNat.v"], premises=[]) for i in range(5)]
    out = tmp_path_factory.mktemp("coq_dataset")
    write_dataset(theorems, corpus, out, num_val=12, num_test=12, metadata={"dataset_name": "test-fixture"})
    return out


@pytest.fixture(scope="session")
def trained_generator(coq_dataset, tmp_path_factory):
    """A tiny byte-level T5 trained 60 steps on the fixture: (trainer, report, val examples)."""
    import torch

    from prover.models.generators.byt5 import ByT5Settings, ByT5Size
    from prover.models.generators.pipeline import load_examples
    from prover.models.generators.training import GeneratorTrainer, TrainConfig

    torch.set_num_threads(2)
    size = ByT5Size(d_model=64, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=2, d_kv=32, dropout_rate=0.0)
    settings = ByT5Settings(max_input_bytes=192, max_tactic_bytes=32)
    train = load_examples(coq_dataset, "random", "train", max_tactic_bytes=32)
    val = load_examples(coq_dataset, "random", "val")
    config = TrainConfig(out_dir=tmp_path_factory.mktemp("gen"), batch_size=16, learning_rate=3e-3,
                         warmup_steps=5, max_steps=60, eval_every=20, patience=10, size=size, settings=settings)
    trainer = GeneratorTrainer(train, val, config)
    report = trainer.train(resume=False, progress=False)
    return trainer, report, val


@pytest.fixture(scope="session")
def encoder(coq_dataset):
    """The LSA state encoder fitted on the fixture's training states."""
    from prover.models.generators.pipeline import load_examples
    from prover.models.generators.state_encoder import LsaStateEncoder

    return LsaStateEncoder.fit([e.state for e in load_examples(coq_dataset, "random", "train")], dim=32)
