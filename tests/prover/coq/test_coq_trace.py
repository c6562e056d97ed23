"""The Coq tracer: a synthetic file with bullets/braces/odd proofs, a real library directory
traced into the LeanDojo layout and re-checked by coqc, and the shipped sample."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from common.paths import data_dir
from prover.coq.env import CoqEnv
from prover.coq.trace_pipeline import (
    assemble,
    load_cached,
    recheck,
    run_traces,
    select_files,
    theories_dir,
)
from prover.coq.tracer import first_goal_hypotheses, trace_file
from prover.data.dataset import load_corpus, load_split
from prover.env import ProofFinished, ProofState, StatementError, Theorem

SMALL = """(* A small file with bullets, braces, comments and odd proofs. *)
Require Import PeanoNat.

Section S.
Variable A : Type.

Lemma app_nil (l : list A) : app l nil = l.
Proof.
  induction l as [|a l IH]. (* two cases. *)
  - reflexivity.
  - simpl. rewrite IH. reflexivity.
Qed.
End S.

Theorem add_0 : forall n, n + 0 = n.
Proof.
  intros n. { rewrite Nat.add_0_r.
  reflexivity. }
Qed.

Lemma by_term : True.
Proof I.

Lemma broken : forall n, n = n + 1.
Proof.
  intros n. reflexivity.
Qed.

Lemma skipped : False.
Proof.
Admitted.

Lemma after : forall b : bool, b = b.
Proof. intros [|]; reflexivity. Qed.
"""


def test_trace_synthetic_file(tmp_path: Path) -> None:
    (tmp_path / "Demo").mkdir()
    (tmp_path / "Demo" / "Small.v").write_text(SMALL)
    r = trace_file("Demo/Small.v", tmp_path, prefix="Synth")
    assert r.status == "ok"
    proofs = {p.full_name.rsplit(".", 1)[-1]: p for p in r.proofs}
    assert set(proofs) == {"app_nil", "add_0", "by_term", "after"}
    assert [t.tactic for t in proofs["by_term"].traced_tactics] == ["exact (I)."]
    app = proofs["app_nil"]
    assert [t.tactic for t in app.traced_tactics] == [
        "induction l as [|a l IH].", "- reflexivity.", "- simpl.", "rewrite IH.", "reflexivity."
    ]
    assert app.statement == "forall (A : Type) (l : list A), (l ++ nil)%list = l"
    assert app.traced_tactics[0].state_after.count("\n\n") == 1  # two goals
    add0 = proofs["add_0"]
    assert [t.tactic for t in add0.traced_tactics] == ["intros n.", "{ rewrite Nat.add_0_r.", "reflexivity. }"]
    text, prems = add0.traced_tactics[1].annotated_tactic
    assert text == "{ rewrite <a>Nat.add_0_r</a>." and prems[0]["full_name"] == "Coq.Arith.PeanoNat.Nat.add_0_r"
    for p in r.proofs:
        steps = p.traced_tactics
        assert steps[-1].state_after == "no goals"
        assert all(a.state_after == b.state_before for a, b in zip(steps, steps[1:], strict=False))
    reasons = {f.full_name.rsplit(".", 1)[-1]: f.reason for f in r.failed}
    assert set(reasons) == {"broken"}
    assert "Unable to unify" in reasons["broken"]
    assert [a.rsplit(".", 1)[-1] for a in r.admitted] == ["skipped"]


def test_trace_library_dir_into_dataset_and_recheck(tmp_path: Path) -> None:
    theories = theories_dir()
    files = select_files(theories, "Bool/*.v")
    done = run_traces(tmp_path, files, theories, jobs=2)
    assert sorted(done) == files
    report = assemble(tmp_path, files, theories, corpus_scope="reachable")
    assert report.share >= 0.9 and report.files_ok == len(files)
    assert report.premise_refs > 0 and report.premise_refs_unresolved == 0
    train = load_split(tmp_path, "random", "train")
    test = load_split(tmp_path, "novel_premises", "test")
    assert train and test
    corpus = {p.full_name for f in load_corpus(tmp_path) for p in f.premises}
    for thm in train:
        assert thm.traced_tactics and thm.traced_tactics[-1].state_after == "no goals"
        for t in thm.traced_tactics:
            assert t.steps_remaining is not None and t.steps_remaining >= 1
            assert t.annotated_tactic[0].count("<a>") == len(t.premises)
            assert all(p.full_name in corpus for p in t.premises)
    # every traced proof, re-assembled from its steps, compiles
    res = recheck(tmp_path, theories, files, sample=200, seed=1)
    assert res.proofs >= 150 and res.accepted == res.proofs, res.failures
    # resumable: nothing to redo; a lost cache entry is traced again
    assert run_traces(tmp_path, files, theories) == []
    (tmp_path / "cache" / "Bool/Zerob.v.json").unlink()
    assert run_traces(tmp_path, files, theories) == ["Bool/Zerob.v"]
    assert load_cached(tmp_path, "Bool/Zerob.v") is not None


SAMPLE = data_dir() / "coq" / "sample"


def test_shipped_sample_is_consistent() -> None:
    meta = json.loads((SAMPLE / "metadata.json").read_text())
    assert meta["from_repo"]["url"] == "https://github.com/coq/coq"
    corpus = {p.full_name: (f.path, p.start) for f in load_corpus(SAMPLE) for p in f.premises}
    for split in ("random", "novel_premises"):
        parts = [load_split(SAMPLE, split, part) for part in ("train", "val", "test")]
        assert all(parts) and sum(map(len, parts)) == meta["num_theorems"]
    for thm in load_split(SAMPLE, "random", "train"):
        for t in thm.traced_tactics:
            for p in t.premises:
                assert corpus[p.full_name] == (p.def_path, tuple(p.def_pos))


def test_sample_statements_open_and_traced_proofs_replay() -> None:
    thms = [t for t in load_split(SAMPLE, "random", "test") if t.statement]
    rng = random.Random(0)
    picked = rng.sample(thms, 12)
    replayed = 0
    with CoqEnv() as env:
        for rec in picked:
            extra = rec.model_extra or {}
            # The file's own hints and lemmas are in scope with context_with_file, so its
            # proofs replay there as they did in the file.
            theorem = Theorem(rec.full_name.rsplit(".", 1)[-1], rec.statement, extra["context_with_file"])
            try:
                state = env.open(theorem)
            except StatementError as e:  # pragma: no cover - the tracer checked these
                pytest.fail(f"{rec.full_name}: {e}")
            first = rec.traced_tactics[0].state_before
            names = first_goal_hypotheses(first)
            if names:  # binders and section variables became foralls: introduce them again
                state = env.run_tac(state, f"intros {' '.join(names)}.")
                assert isinstance(state, ProofState)
            if state.goals != first:
                continue  # e.g. a let-bound or implicit binder prints differently
            result: ProofState | ProofFinished = state
            same = True
            for t in rec.traced_tactics:
                if not isinstance(result, ProofState):
                    same = False
                    break
                result = env.run_tac(result, t.tactic, timeout=30)
                got = result.goals if isinstance(result, ProofState) else (
                    "no goals" if isinstance(result, ProofFinished) else None)
                if got != t.state_after:
                    # The file had more hints/imports in scope than the context (e.g. auto
                    # closes more); the trace and the env then part ways.
                    same = False
                    break
            if same:
                assert isinstance(result, ProofFinished)
                assert env.verify(theorem, ["intros " + " ".join(names) + "."] * bool(names)
                                  + [t.tactic for t in rec.traced_tactics])
                replayed += 1
    assert replayed >= 4  # about 60% of the sample's test theorems replay step for step


MORPHISM = """Require Import Setoid.

Definition both (P Q : Prop) := P /\\ Q.

Add Parametric Morphism : both
    with signature iff ==> iff ==> iff
      as both_morph.
Proof. unfold both. intros P P' HP Q Q' HQ. tauto. Qed.

Lemma both_comm : forall P Q, both P Q <-> both Q P.
Proof. unfold both. tauto. Qed.
"""


def test_a_morphism_proof_is_named_by_its_constant_at_its_position(tmp_path: Path) -> None:
    # coqtop names every morphism's proof `branch`; a corpus needs the constant it defines, where
    # it is defined, so a leak check can tell that it comes after an earlier theorem
    (tmp_path / "Demo").mkdir()
    (tmp_path / "Demo" / "Morph.v").write_text(MORPHISM)
    r = trace_file("Demo/Morph.v", tmp_path, prefix="Synth")
    assert r.status == "ok"
    proofs = {p.full_name: p for p in r.proofs}
    assert set(proofs) == {"Synth.Demo.Morph.both_morph", "Synth.Demo.Morph.both_comm"}
    assert proofs["Synth.Demo.Morph.both_morph"].start == (5, 1)
    assert proofs["Synth.Demo.Morph.both_morph"].traced_tactics[-1].state_after == "no goals"
