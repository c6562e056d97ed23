"""Search with the shipped small models (k-NN generator, progress predictor) on easy theorems."""

import pytest

from common.paths import data_dir
from prover.env import Theorem
from prover.search.best_first import BestFirstSearch, SearchConfig

MODELS = data_dir() / "models"
pytestmark = pytest.mark.skipif(
    not (MODELS / "generator" / "knn").is_dir() or not (MODELS / "progress").is_dir(),
    reason="shipped models not present",
)

EASY = [
    "forall b : bool, negb (negb b) = b",
    "forall n : nat, n + 0 = n",
    "forall (A : Type) (l : list A), l ++ nil = l",
    "forall b1 b2 : bool, orb b1 b2 = orb b2 b1",
]


@pytest.fixture(scope="module")
def search(coq_env):
    from prover.models.defaults import progress_model, tactic_generator

    generator = tactic_generator(None, "knn")
    config = SearchConfig(k=8, time_limit=30, max_expansions=20, progress_weight=0.5)
    return BestFirstSearch(coq_env, generator, config, progress=progress_model())


@pytest.mark.parametrize("statement", EASY)
def test_shipped_generator_proves_easy_theorems(search, coq_env, statement):
    thm = Theorem("easy", statement, "Require Import Bool List.")
    result = search.prove(thm)
    assert result.status == "proved", (result.status, result.error)
    assert coq_env.verify(thm, result.proof)
    root = result.tree.nodes[0]
    # The progress model scored the root: priority = 0 - 0.5 * remaining.
    assert root["remaining"] is not None and root["remaining"] >= 0
    assert root["priority"] == pytest.approx(-0.5 * root["remaining"])
