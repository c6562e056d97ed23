"""``+retrieval`` configurations: retrieved premises become template tactics beside the generator's."""

from __future__ import annotations

from common.paths import data_dir
from prover.env import Theorem
from prover.models.generators.simple import FixedTacticsGenerator
from prover.models.generators.templates import RetrievedPremiseText, TemplateGenerator
from prover.search.configs import ProverSettings, load_components

STATE = "A : Type\nl : list A\n============================\nrev (rev l) = l"


def test_retrieval_configuration_turns_premises_into_tactics():
    settings = ProverSettings(dataset_dir=data_dir() / "coq" / "sample")
    gen = FixedTacticsGenerator()
    components = load_components("logprob+retrieval", settings, gen)
    assert isinstance(components.generator, TemplateGenerator) and components.generator.base is gen
    theorem = Theorem(name="t", statement="forall (A : Type) (l : list A), rev (rev l) = l",
                      context="Require Import List.")
    premises = components.premises(theorem, STATE)
    assert premises and all(isinstance(p, RetrievedPremiseText) for p in premises)
    names = {p.full_name for p in premises}
    candidates = components.generator.suggest(STATE, premises, 40)
    templated = [c.tactic for c in candidates if any(n in c.tactic for n in names)]
    assert templated and {c.tactic for c in gen.suggest(STATE, [], 40)} & {c.tactic for c in candidates}
    # the ablation: no templates, the generator reads the premises as before
    plain = ProverSettings(dataset_dir=settings.dataset_dir, template_weight=0, premises_to_generator=True)
    assert load_components("logprob+retrieval", plain, gen).generator is gen
