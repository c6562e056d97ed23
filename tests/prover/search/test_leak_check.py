"""Benchmark re-check: a theorem whose context loads its own file may not be proved by itself."""

import pytest

from proofplan.paths import data_dir
from prover.evaluation import load_benchmark
from prover.leak_check import FutureLemmaCheck, constants_in_term

SAMPLE = data_dir() / "coq" / "sample"


def test_constants_in_term_reads_the_body_only():
    printed = "goal2 = \nfun (A : Type) (x : A) => List.in_elt x l1 l2\n     : forall A, In x (l1 ++ l2)\n"
    names = constants_in_term(printed, "goal2")
    assert "in_elt" in names and "In" not in names


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
