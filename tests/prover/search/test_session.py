"""prover.session.Prover: one Coq process and one configuration for many theorems; models load on
the first theorem that needs them and stay loaded."""

import pytest

from prover.env import Theorem
from prover.search.configs import ProverSettings
from prover.session import Prover


def test_one_prover_proves_theorems_one_after_another():
    with Prover("fixed+sauto", ProverSettings(time_limit=3, max_expansions=2)) as prover:
        easy = prover.prove("forall n : nat, n + 0 = n")
        assert easy.proved and not prover.loaded
        env = prover.env
        lists = prover.prove(Theorem("app_nil", "forall (A : Type) (l : list A), l ++ nil = l", "Require Import List."))
        assert lists.proved, lists
        assert not prover.prove("forall n : nat, n = 0").proved
        assert prover.loaded and prover.env is env  # one env throughout
    with pytest.raises(ValueError):
        Prover("fixed").prove(Theorem("t", "True"), context="Require Import List.")


def test_an_unknown_configuration_is_refused_at_once():
    from prover.search.configs import UnknownConfigError

    with pytest.raises(UnknownConfigError):
        Prover("logprob+nonsense")
