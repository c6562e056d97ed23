"""The benchmark prover (single-process and Ray workers alike) rejects proofs that use the
theorem itself or a later lemma of its file, and accepts honest ones."""

from dataclasses import replace

import pytest

from common.paths import data_dir
from prover.models.generators.simple import FixedTacticsGenerator
from prover.search.configs import ProverSettings, SearchComponents, evaluation_prover
from prover.search.distributed import ProverWorker
from prover.search.evaluation import load_benchmark, prove_record
from prover.search.leak_check import FutureLemmaCheck

SAMPLE = data_dir() / "coq" / "sample"
SETTINGS = ProverSettings(time_limit=60.0, max_expansions=4, k=8, tactic_timeout=5.0, dataset_dir=SAMPLE)

pytestmark = pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")


def in_elt():
    every = [t for part in ("train", "val", "test") for t in load_benchmark(SAMPLE, "random", part)]
    return next(t for t in every if t.full_name == "Coq.Lists.List.in_elt")


def test_evaluation_prover_rejects_a_self_proof(coq_env):
    thm = in_elt()
    cheat = SearchComponents(FixedTacticsGenerator(["intros.", "apply in_elt."]))
    rec = prove_record(evaluation_prover("fixed", coq_env, SETTINGS, cheat), "fixed", thm)
    # the tactic naming the theorem itself is filtered out before it runs, so nothing is rejected
    assert not rec.proved and rec.rejected_proofs == 0
    # Without a dataset there is no leak check: Coq itself accepts the same proof.
    plain = evaluation_prover("fixed", coq_env, replace(SETTINGS, dataset_dir=None), cheat)
    assert prove_record(plain, "fixed", thm).proved
    honest = SearchComponents(FixedTacticsGenerator(
        ["apply in_elt.", "intros; apply in_or_app; right; left; reflexivity."]))
    rec = prove_record(evaluation_prover("fixed", coq_env, SETTINGS, honest), "fixed", thm)
    assert rec.proved and rec.proof == ["intros; apply in_or_app; right; left; reflexivity."]


def test_evaluation_prover_reuses_a_given_checker_with_its_filter(coq_env):
    # bench_prover builds one check for all configurations; the search filters with it too.
    check = FutureLemmaCheck.from_dataset(coq_env, SAMPLE)
    cheat = SearchComponents(FixedTacticsGenerator(["intros.", "apply in_elt."]))
    prover = evaluation_prover("fixed", coq_env, replace(SETTINGS, dataset_dir=None), cheat, check)
    assert prover.__self__.checker is check
    result = prover(in_elt())
    assert not result.proved
    tree = result.tree
    filtered = [tree.edges[u, v]["tactic"] for u, v in tree.edges if tree.nodes[v]["kind"] == "filtered"]
    assert filtered and set(filtered) == {"apply in_elt."}


def test_ray_worker_builds_the_same_checked_prover():
    # The actor class runs here as a plain object: its search re-checks with the leak check.
    worker = ProverWorker("fixed", SETTINGS, None, None)
    worker.setup()
    try:
        checker = worker.prover.__self__.checker
        thm = in_elt()
        assert not checker(thm, ["intros.", "apply in_elt."])
        assert checker(thm, ["intros.", "apply in_or_app.", "right.", "left.", "reflexivity."])
    finally:
        worker.close()
