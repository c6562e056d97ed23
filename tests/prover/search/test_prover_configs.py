"""Named configurations: automation as candidates beside a generator, unknown names."""

import pytest

from common.errors import ProofplanError
from prover.env import Theorem
from prover.models.common import TacticCandidate
from prover.models.generators.simple import FixedTacticsGenerator, WithAutomation
from prover.search.configs import (
    HAMMER_IMPORT,
    ProverSettings,
    UnknownConfigError,
    automation_tactics,
    build_prover,
    check_config,
)


def test_with_automation_appends_without_repeating():
    tactics = automation_tactics(3)
    gen = WithAutomation(FixedTacticsGenerator(["intros.", "timeout 3 sauto."]), tactics, logprob=-4.0)
    cands = gen.suggest("goal", [], 2)
    assert [c.tactic for c in cands] == ["intros.", "timeout 3 sauto.", "timeout 1 lia."]
    cands = WithAutomation(FixedTacticsGenerator(["intros."]), tactics).suggest("goal", [], 1)
    assert cands[1:] == [TacticCandidate("timeout 1 lia.", -3.0), TacticCandidate("timeout 3 sauto.", -3.0)]


def test_premise_automation_uses_the_first_retrieved_facts_only():
    from prover.models.generators.templates import RetrievedPremiseText

    premises = [RetrievedPremiseText("Definition rev ...", "Coq.Lists.List.rev", "Fixpoint", 0.9),
                RetrievedPremiseText("Lemma a ...", "rev_app_distr", "Lemma", 0.8),
                RetrievedPremiseText("Lemma a ...", "rev_app_distr", "Lemma", 0.8),
                RetrievedPremiseText("Theorem b ...", "Coq.Lists.List.rev_involutive", "Theorem", 0.7),
                RetrievedPremiseText("Lemma c ...", "app_nil_r", "Lemma", 0.6)]
    gen = WithAutomation(FixedTacticsGenerator(["intros."]), ["timeout 1 lia."],
                         premise_tactics=["timeout 1 hauto use: {}."], premise_count=2)
    tactics = [c.tactic for c in gen.suggest("goal", premises, 1)]
    assert tactics == ["intros.", "timeout 1 lia.", "timeout 1 hauto use: rev_app_distr, Coq.Lists.List.rev_involutive."]
    # no retrieved fact (no retrieval, or definitions only): no premise tactic
    assert [c.tactic for c in gen.suggest("goal", premises[:1], 1)] == ["intros.", "timeout 1 lia."]
    assert [c.tactic for c in gen.suggest_batch(["g"], [[]], 1)[0]] == ["intros.", "timeout 1 lia."]


def test_retrieved_facts_let_hauto_close_a_state_plain_sauto_cannot(coq_env):
    from prover.models.generators.templates import RetrievedPremiseText
    from prover.search.best_first import BestFirstSearch, SearchConfig
    from prover.search.configs import premise_automation_tactics

    thm = Theorem("rev_app_rev", "forall (A : Type) (l m : list A), rev (rev l ++ m) = rev m ++ l",
                  "Require Import List.\n" + HAMMER_IMPORT)
    facts = [RetrievedPremiseText("Fixpoint rev ...", "Coq.Lists.List.rev", "Fixpoint", 0.9),
             RetrievedPremiseText("Lemma rev_app_distr ...", "Coq.Lists.List.rev_app_distr", "Lemma", 0.8),
             RetrievedPremiseText("Lemma rev_involutive ...", "Coq.Lists.List.rev_involutive", "Lemma", 0.7)]
    config = SearchConfig(k=1, max_k=1, max_expansions=1, time_limit=30)
    settings = ProverSettings()
    for premise_tactics, proved in (((), False), (premise_automation_tactics(settings), True)):
        gen = WithAutomation(FixedTacticsGenerator(["intros."]), automation_tactics(settings.sauto_timeout),
                             premise_tactics=premise_tactics)
        result = BestFirstSearch(coq_env, gen, config, premises=lambda _t, _s: facts).prove(thm)
        assert result.proved is proved, result.proof
    assert result.proof == ["hauto use: Coq.Lists.List.rev_app_distr, Coq.Lists.List.rev_involutive."]
    assert coq_env.verify(thm, result.proof)
    assert premise_automation_tactics(ProverSettings(premise_automation=False)) == ()


def _facts(*names):
    from prover.models.generators.templates import RetrievedPremiseText

    return [RetrievedPremiseText(f"Lemma {n} ...", n, "Lemma", 1.0 - i / 10) for i, n in enumerate(names)]


def test_a_state_retrieving_facts_already_handed_over_gets_the_others_first():
    gen = WithAutomation(FixedTacticsGenerator(["intros."]), [], premise_tactics=["hauto use: {}."],
                         premise_count=2)
    hauto = lambda facts: gen.suggest("goal", facts, 1)[-1].tactic  # noqa: E731
    assert hauto(_facts("a", "b", "c", "d")) == "hauto use: a, b."
    assert hauto(_facts("a", "b", "c", "d")) == "hauto use: c, d."  # the same first two: the rest
    assert hauto(_facts("b", "a", "e")) == "hauto use: e, b."  # a and b were tried together: e first
    assert hauto(_facts("a", "c")) == "hauto use: a, c."  # a new pair, though both were handed over
    assert hauto(_facts("a", "b")) == "hauto use: a, b."  # nothing left: the first ones again
    gen.reset()
    assert hauto(_facts("b", "a", "e")) == "hauto use: b, a."


def test_the_search_tries_further_retrieved_facts_at_a_child_state(coq_env):
    from prover.search.best_first import BestFirstSearch, SearchConfig

    thm = Theorem("rev_rev", "forall (A : Type) (l : list A), rev (rev l) = l",
                  "Require Import List.\n" + HAMMER_IMPORT)
    facts = _facts("Coq.Lists.List.app_nil_r", "Coq.Lists.List.app_assoc", "Coq.Lists.List.in_nil",
                   "Coq.Lists.List.app_nil_l", "Coq.Lists.List.rev_involutive")
    gen = WithAutomation(FixedTacticsGenerator(["intros."]), [], premise_tactics=["timeout 2 hauto use: {}."],
                         time_limit=2)
    search = BestFirstSearch(coq_env, gen, SearchConfig(k=1, max_k=1, max_expansions=2, time_limit=60),
                             premises=lambda _t, _s: facts)
    for _ in range(2):  # the second search starts afresh: the same proof
        result = search.prove(thm)
        assert result.proved, result.tree.edges(data="tactic")
        assert result.proof == ["intros.", "hauto use: Coq.Lists.List.rev_involutive, Coq.Lists.List.app_nil_r, "
                                "Coq.Lists.List.app_assoc, Coq.Lists.List.in_nil."]
    assert coq_env.verify(thm, result.proof)


def test_fixed_plus_sauto_closes_a_state_the_fixed_list_cannot(coq_env):
    # The first four fixed tactics (intros, reflexivity, simpl, auto) cannot take a conjunction
    # apart; sauto, tried at every state, can (no widening to more fixed tactics).
    thm = Theorem("and_swap", "forall P Q : Prop, P /\\ Q -> Q /\\ P")
    settings = ProverSettings(time_limit=30, max_expansions=4, k=4, max_k=4)
    plain = build_prover("fixed", coq_env, settings)(thm)
    hybrid = build_prover("fixed+sauto", coq_env, settings)(thm)
    assert not plain.proved
    assert hybrid.proved and any("sauto" in t for t in hybrid.proof)
    assert HAMMER_IMPORT in hybrid.theorem.context
    assert coq_env.verify(hybrid.theorem, hybrid.proof)


def test_unknown_configuration():
    with pytest.raises(ProofplanError, match="unknown configuration"):
        check_config("logprob+magic")


def test_a_given_progress_model_replaces_the_default():
    from common.paths import data_dir
    from prover.models.progress import LengthBaseline
    from prover.search.configs import load_components

    settings = ProverSettings(dataset_dir=data_dir() / "coq" / "sample")
    baseline = LengthBaseline.fit(["a", "bb"], [1, 2], bins=2)
    gen = FixedTacticsGenerator()
    for config in ("logprob+retrieval+progress", "logprob+retrieval+progress+sauto"):
        assert load_components(config, settings, gen, progress=baseline).progress is baseline
    # configurations without progress drop it
    assert load_components("logprob+retrieval", settings, gen, progress=baseline).progress is None


@pytest.mark.parametrize("name", ["logprob+progress+sauto+hammer", "logprob+retrieval+sauto", "fixed+hammer", "hammer"])
def test_configurations_compose_in_order(name):
    assert check_config(name) == name


@pytest.mark.parametrize("name", ["fixed+retrieval", "logprob+sauto+progress", "logprob+hammer+sauto", "lia+sauto", ""])
def test_configurations_out_of_order_are_refused(name):
    with pytest.raises(UnknownConfigError, match="in that order"):
        check_config(name)


def test_sauto_timeout_sets_the_automation_limit():
    from prover.search.configs import automation_tactics, load_components

    comps = load_components("fixed+sauto", ProverSettings(sauto_timeout=0.5))
    extra = comps.generator.suggest("goal", [], 1)[1:]
    assert [c.tactic for c in extra] == ["timeout 1 lia.", "timeout 1 sauto."]
    assert {c.time_limit for c in extra} == {0.5}  # the search cuts them at half a second
    assert comps.generator.suggest("goal", [], 1)[0].time_limit is None
    assert automation_tactics(5)[-1] == "timeout 5 sauto."
    assert automation_tactics(1.5)[-1] == "timeout 2 sauto."
    with pytest.raises(ProofplanError, match="positive number of seconds"):
        automation_tactics(0)
