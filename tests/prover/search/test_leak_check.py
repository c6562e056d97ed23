"""Benchmark re-check: a theorem whose context loads its own file may not be proved by itself."""

import pytest

from common.paths import data_dir
from prover.search.evaluation import load_benchmark
from prover.search.leak_check import FutureLemmaCheck, constants_in_term

SAMPLE = data_dir() / "coq" / "sample"


def test_constants_in_term_reads_the_body_only():
    printed = "goal2 = \nfun (A : Type) (x : A) => List.in_elt x l1 l2\n     : forall A, In x (l1 ++ l2)\n"
    names = constants_in_term(printed, "goal2")
    assert "in_elt" in names and "In" not in names


def test_a_universe_polymorphic_header_is_not_read_as_a_use_of_the_name():
    printed = "flip_PER@{u u0 u1} = \nfun (A : Type) (R : crelation A) => PER_Symmetric R\n     : forall A, PER (flip R)\n"
    assert constants_in_term(printed, "flip_PER") == {"fun", "A", "Type", "R", "crelation", "PER_Symmetric"}


@pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")
def test_self_proof_is_rejected_and_honest_proof_accepted(coq_env):
    check = FutureLemmaCheck.from_dataset(coq_env, SAMPLE)
    every = [t for part in ("train", "val", "test") for t in load_benchmark(SAMPLE, "random", part)]
    thm = next(t for t in every if t.full_name == "Coq.Lists.List.in_elt")
    assert "in_elt" in check.forbidden[thm.full_name]
    assert coq_env.verify(thm, ["intros.", "apply in_elt."])  # Coq itself accepts it...
    assert not check(thm, ["intros.", "apply in_elt."])  # ...the benchmark does not
    assert check.rejected_for_leak[thm.full_name] == {"in_elt"}
    assert check(thm, ["intros.", "apply in_or_app.", "right.", "left.", "reflexivity."])


@pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")
def test_search_skips_tactics_naming_forbidden_lemmas(coq_env):
    from prover.models.generators.simple import FixedTacticsGenerator
    from prover.search.best_first import BestFirstSearch, SearchConfig

    check = FutureLemmaCheck.from_dataset(coq_env, SAMPLE)
    every = [t for part in ("train", "val", "test") for t in load_benchmark(SAMPLE, "random", part)]
    thm = next(t for t in every if t.full_name == "Coq.Lists.List.in_elt")
    assert check.tactic_filter(thm, "apply List.in_elt.") is not None
    assert check.tactic_filter(thm, "apply in_or_app.") is None
    other = next(t for t in every if t.full_name not in check.forbidden)
    assert check.tactic_filter(other, "apply in_elt.") is None  # only the theorem's own file counts

    # Without the filter the search closes the goal with the theorem itself and the re-check
    # rejects it; with it, that tactic never runs and the honest proof is found.
    tactics = ["intros.", "apply in_elt.", "apply in_or_app.", "right.", "left.", "reflexivity."]
    config = SearchConfig(k=6, time_limit=60.0, max_expansions=30, progress_weight=0.0)
    plain = BestFirstSearch(coq_env, FixedTacticsGenerator(tactics), config, checker=check).prove(thm)
    filtered = BestFirstSearch(coq_env, FixedTacticsGenerator(tactics), config, checker=check,
                               tactic_filter=check.tactic_filter).prove(thm)
    assert plain.rejected_proofs >= 1
    assert filtered.proved and filtered.rejected_proofs == 0 and "apply in_elt." not in filtered.proof
    skipped = [d for _, d in filtered.tree.nodes(data=True) if d["kind"] == "filtered"]
    assert skipped and all("in_elt" in d["detail"] for d in skipped)


class NeverCompiles:
    """An env whose verify must not be reached: a proof naming its own theorem is refused first."""

    def verify(self, theorem, proof):  # pragma: no cover - reaching it fails the test
        raise AssertionError("a self-naming proof reached the compiler")


def test_a_proof_whose_text_names_its_theorem_is_refused_without_compiling():
    from prover.env import Theorem

    check = FutureLemmaCheck(NeverCompiles())
    thm = Theorem("rev_involutive", "forall (A : Type) (l : list A), rev (rev l) = l",
                  "Require Import List.", full_name="Coq.Lists.List.rev_involutive")
    # what hammer may print: a qualified library copy of the theorem itself
    assert not check(thm, ["srun eauto use: List.rev_involutive."])
    assert check.rejected_for_leak == {"Coq.Lists.List.rev_involutive": {"rev_involutive"}}
    assert check.tactic_filter(thm, "apply rev_involutive.") is not None
    assert check.tactic_filter(thm, "apply rev_app_distr.") is None


class PrintsTerm:
    """An env whose fresh-process re-check accepts and prints a fixed proof term."""

    def __init__(self, term: str) -> None:
        self.term = term

    def recheck(self, theorem, proof, after=()):
        from prover.coq.env import CoqcResult

        return CoqcResult(True, "", 0.0), f"{theorem.name} = {self.term}\n     : negb (negb b) = b\n"


def test_an_anonymous_binder_is_not_taken_for_a_later_lemma():
    # ssrbool's outline once listed a constructor "_"; every term with `fun _ =>` then "used" it.
    from prover.env import Theorem

    thm = Theorem("negPn", "forall b : bool, negb (negb b) = b", full_name="Coq.ssr.ssrbool.negPn",
                  prelude=("Require Import Bool.",))
    later = {"Coq.ssr.ssrbool.negPn", "Coq.ssr.ssrbool._", "Coq.ssr.ssrbool.negbK"}
    honest = FutureLemmaCheck(PrintsTerm("fun b : bool => match b with true | _ => eq_refl end"),
                              later_in_file={thm.full_name: later})
    assert honest(thm, ["destruct b; reflexivity."])
    leaky = FutureLemmaCheck(PrintsTerm("fun b : bool => negbK b"), later_in_file={thm.full_name: later})
    assert not leaky(thm, ["exact (negbK b)."]) and leaky.rejected_for_leak == {thm.full_name: {"negbK"}}


@pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")
def test_self_proof_is_rejected_when_an_added_import_loads_the_file(coq_env):
    # implb_false_iff's own context does not load Coq.Bool.Bool, but a configuration's imports
    # can (CoqHammer's do); hammer then proved it with itself.
    from dataclasses import replace

    check = FutureLemmaCheck.from_dataset(coq_env, SAMPLE)
    thm = next(t for t in load_benchmark(SAMPLE, "random", "test") if t.full_name == "Coq.Bool.Bool.implb_false_iff")
    assert thm.full_name not in check.forbidden
    loaded = replace(thm, context=f"{thm.context}\nRequire Import Bool.")
    assert coq_env.verify(loaded, ["exact Bool.implb_false_iff."])
    assert not check(loaded, ["exact Bool.implb_false_iff."])
    assert check.rejected_for_leak[thm.full_name] == {"implb_false_iff"}
