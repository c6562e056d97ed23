"""File-prefix preludes: a library theorem stated where its file stated it, against a real coqtop."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest

from prover.coq.env import CoqEnv
from prover.coq.prefix import file_prefix, library_prelude, offset_of
from prover.env import ProofFinished, ProofState, StatementError, Theorem
from prover.search.best_first import SearchResult
from prover.search.evaluation import with_file_prefix
from prover.search.leak_check import FutureLemmaCheck

SOURCE = """(* a library file *)
Require Import Arith.
Module M.
Section S.
  Variable A : Type.
  Lemma keep (x : A) : x = x.
  Proof. reflexivity. Qed.
  Section Inner.
    Lemma inner_one : 1 = 1. Proof. reflexivity. Qed.
    Lemma target (y : A) : y = y.
    Proof. apply keep. Qed.
  End Inner.
End S.
Lemma later : 2 = 2. Proof. reflexivity. Qed.
End M.
"""


def test_prefix_stops_before_the_theorem_and_closes_open_sections_only():
    start = SOURCE.index("Lemma target")
    prelude = file_prefix(SOURCE, start)
    assert prelude[0] == "Require Import Arith."
    assert "Lemma inner_one : 1 = 1." in prelude
    assert not any("target" in s or "later" in s for s in prelude)
    # the inner section closes first; the module stays open
    assert prelude[-2:] == ("End Inner.", "End S.")
    assert "End M." not in prelude
    # after a section ended in the file, nothing is closed twice
    after = file_prefix(SOURCE, SOURCE.index("Lemma later"))
    assert after[-1] == "End S." and after.count("End S.") == 1


def test_offsets_follow_dataset_positions():
    line, col = 6, 3  # "Lemma keep", 1-based as LeanDojo writes positions
    assert SOURCE[offset_of(SOURCE, line, col):].startswith("Lemma keep")
    with pytest.raises(ValueError):
        offset_of(SOURCE, 999, 1)


def test_init_files_and_missing_files_get_no_prelude(tmp_path):
    assert library_prelude("theories/Init/Logic.v", (10, 1), root=tmp_path) == ()
    assert library_prelude("theories/Nowhere/Missing.v", (10, 1), root=tmp_path) == ()
    (tmp_path / "Lib").mkdir()
    (tmp_path / "Lib" / "F.v").write_text(SOURCE)
    line = SOURCE[: SOURCE.index("Lemma later")].count("\n") + 1
    assert library_prelude("theories/Lib/F.v", (line, 1), root=tmp_path)[-1] == "End S."


def theorem_at(name: str, statement: str, marker: str) -> Theorem:
    return Theorem(name, statement, prelude=file_prefix(SOURCE, SOURCE.index(marker)),
                   file_path="theories/Lib/F.v", full_name=f"Coq.Lib.F.M.{name}")


TARGET = theorem_at("target", "forall (A : Type) (y : A), y = y", "Lemma target")
LATER = theorem_at("later", "2 = 2", "Lemma later")


@pytest.fixture(scope="module")
def env():
    with CoqEnv() as e:
        yield e


def test_earlier_lemmas_are_in_scope_generalized_and_later_ones_are_not(env):
    root = env.open(TARGET)
    assert "forall (A : Type) (y : A), y = y" in root.goals
    intro = env.run_tac(root, "intros A y.")
    assert isinstance(intro, ProofState)
    # after the sections close, keep takes the type: apply finds it
    done = env.run_tac(intro, "apply keep.")
    assert isinstance(done, ProofFinished)
    assert env.verify(TARGET, ["intros A y.", "apply keep."])
    # a lemma the file states later does not exist yet
    fresh = env.open(replace(TARGET, name="target2"))
    named_later = env.run_tac(fresh, "pose proof later.")
    assert not isinstance(named_later, (ProofState, ProofFinished))


def test_the_fresh_process_recheck_rejects_a_wrong_proof_and_prints_after(env):
    assert not env.verify(TARGET, ["intros A y.", "apply inner_one."])
    result, printed = env.recheck(TARGET, ["intros A y.", "reflexivity."], after=("Print target.",))
    assert result.ok and "target =" in printed


def test_a_longer_prelude_runs_only_the_sentences_it_adds(env):
    env.open(TARGET)
    loaded = len(env._loaded)
    before = env.coqtop.state_id
    env.open(LATER)
    # LATER's prelude shares TARGET's up to the sections' ends; only the rest was sent
    assert len(env._loaded) > loaded
    assert env.coqtop.state_id - before < len(LATER.prelude)
    assert isinstance(env.run_tac(env.open(LATER), "reflexivity."), ProofFinished)


def test_a_prelude_that_fails_is_a_statement_error_and_the_env_recovers(env):
    bad = replace(TARGET, prelude=(*TARGET.prelude[:-2], "Lemma broken : 1 = 2. Proof. reflexivity. Qed.", "End Inner.", "End S."))
    with pytest.raises(StatementError):
        env.open(bad)
    assert isinstance(env.open(TARGET), ProofState)


def test_leak_check_reads_the_proof_term_in_the_prelude(env):
    later = {TARGET.full_name: {"Coq.Lib.F.M.target", "Coq.Lib.F.M.later"}}
    # a short name that the whole-file context would refuse ("keep" as if a later lemma elsewhere
    # had that name) does not count after the prefix, where only earlier lemmas exist
    checker = FutureLemmaCheck(env, forbidden={TARGET.full_name: {"keep"}}, later_in_file=later)
    assert checker.tactic_filter(TARGET, "apply keep.") is None
    assert checker(TARGET, ["intros A y.", "apply keep."])
    plain = replace(TARGET, prelude=())
    assert checker.tactic_filter(plain, "apply keep.") is not None
    # the theorem's own name is always refused, and the term is still read: a constant of the
    # "later" list in the printed term (here eq_refl, put there by reflexivity) rejects the proof
    assert checker.tactic_filter(TARGET, "apply target.") is not None
    strict = FutureLemmaCheck(env, later_in_file={TARGET.full_name: {"Coq.Init.Logic.eq_refl"}})
    assert not strict(TARGET, ["intros A y.", "reflexivity."])
    assert strict(TARGET, ["intros A y.", "apply keep."])


def _result(theorem: Theorem, status: str = "proved", error: str | None = None) -> SearchResult:
    return SearchResult(theorem, status, ["reflexivity."] if status == "proved" else None, nx.DiGraph(), 1, 1, 0.1,
                        error=error)


def test_with_file_prefix_falls_back_to_the_plain_statement(env):
    plain = Theorem("target", "forall (A : Type) (y : A), y = y", full_name=TARGET.full_name)
    seen: list[Theorem] = []

    def prover(theorem: Theorem) -> SearchResult:
        seen.append(theorem)
        return _result(theorem)

    run = with_file_prefix(prover, env, {TARGET.full_name: plain})
    ok = run(TARGET)
    assert seen[-1] is TARGET and "prelude" in ok.timings and "plain" not in ok.timings
    broken = replace(TARGET, prelude=("Require Import NoSuchLibraryAnywhere.",))
    fell_back = run(broken)
    assert seen[-1] is plain and fell_back.timings["plain"] == 1.0

    def failing(theorem: Theorem) -> SearchResult:
        seen.append(theorem)
        return _result(theorem, "error", "statement: bad") if theorem.prelude else _result(theorem)

    again = with_file_prefix(failing, env, {TARGET.full_name: plain})(TARGET)
    assert seen[-2:] == [TARGET, plain] and again.proved and again.timings["plain"] == 1.0


def test_a_leaky_proof_the_env_still_holds_is_refused_without_a_fresh_process(env, monkeypatch):
    strict = FutureLemmaCheck(env, later_in_file={TARGET.full_name: {"Coq.Init.Logic.eq_refl"}})
    root = env.open(TARGET)
    intro = env.run_tac(root, "intros A y.")
    done = env.run_tac(intro, "reflexivity.")
    assert isinstance(done, ProofFinished)
    tactics, term = env.live_proof_term()
    assert tactics == ["intros A y.", "reflexivity."] and "eq_refl" in term

    def no_fresh_process(*args, **kwargs):
        raise AssertionError("the live term should have decided")

    monkeypatch.setattr(env, "recheck", no_fresh_process)
    assert not strict(TARGET, ["intros A y.", "reflexivity."])
    assert strict.rejected_for_leak[TARGET.full_name] == {"eq_refl"}
    monkeypatch.undo()
    # another proof than the one held, or a clean one, goes to the fresh process as before
    assert strict(TARGET, ["intros A y.", "apply keep."])
    clean = env.run_tac(intro, "apply keep.")
    assert isinstance(clean, ProofFinished)
    assert strict(TARGET, ["intros A y.", "apply keep."])


def test_a_benchmark_run_carries_each_prefixed_theorem_with_its_plain_fallback():
    from common.paths import data_dir
    from prover.search.evaluation import load_benchmark, load_benchmark_run, theorem_id

    sample = data_dir() / "coq" / "sample"
    run = load_benchmark_run(sample, "random", "test", limit=6, file_prefix=True)
    plain = load_benchmark(sample, "random", "test", limit=6)
    assert [theorem_id(t) for t in run.theorems] == [theorem_id(t) for t in plain]
    assert any(t.prelude for t in run.theorems)
    assert list(run.fallbacks.values()) == plain
    assert load_benchmark_run(sample, "random", "test", limit=6).fallbacks == {}


# An earlier lemma of the prefix may share its short name with a later one (Znat's Nat2Z.inj_compare
# and Z2Nat.inj_compare), and a bound variable with a later definition (ZMicromega's env).
SHADOW = Theorem("add_0_r_twice", "forall env : nat, env + 0 + 0 = env",
                 prelude=("Require Import Arith Lia.", "Module M2.",
                          "Lemma add_0_r : forall n : nat, n + 0 = n.", "Proof.", "intros n.",
                          "apply Nat.add_0_r.", "Qed."),
                 file_path="theories/Lib/G.v", full_name="Coq.Lib.G.M2.add_0_r_twice")
SHADOW_LATER = {"Coq.Lib.G.M2.add_0_r_twice", "Coq.Arith.PeanoNat.Nat.add_0_r", "Coq.micromega.ZMicromega.env"}


def test_a_printed_name_is_a_later_lemma_only_where_it_denotes_one(env):
    check = FutureLemmaCheck(env, later_in_file={SHADOW.full_name: SHADOW_LATER})
    env.open(SHADOW)
    assert env.resolve_names(["add_0_r", "Nat.add_0_r", "env", "eq_refl"]) == {
        "add_0_r": "Top.M2.add_0_r", "Nat.add_0_r": "Coq.Arith.PeanoNat.Nat.add_0_r",
        "env": None, "eq_refl": "Coq.Init.Logic.eq_refl"}
    # the prefix's own add_0_r, printed "add_0_r", and the bound "env" are no leak...
    local = ["intros env.", "rewrite !add_0_r.", "reflexivity."]
    assert check(SHADOW, local) and SHADOW.full_name not in check.rejected_for_leak
    # ...the later library lemma is, found in the live term and in the fresh process alike
    library = ["intros env.", "rewrite !Nat.add_0_r.", "reflexivity."]
    assert not check(SHADOW, library)
    assert check.rejected_for_leak[SHADOW.full_name] == {"add_0_r"}
    # an audit of recorded proofs, with the env on another theorem, opens this one to resolve names
    env.open(TARGET)
    assert check(SHADOW, local)
    env.open(TARGET)
    assert not check(SHADOW, library)


def test_the_theorem_s_own_name_is_refused_alone_or_qualified_as_itself(env):
    check = FutureLemmaCheck(env, later_in_file={TARGET.full_name: {TARGET.full_name}})
    assert check.tactic_filter(TARGET, "apply target.") is not None
    assert check.tactic_filter(TARGET, "apply M.target.") is not None
    assert check.tactic_filter(TARGET, "apply F.M.target.") is not None
    # another module's lemma with the same short name is another lemma
    assert check.tactic_filter(TARGET, "apply N2Z.target.") is None
