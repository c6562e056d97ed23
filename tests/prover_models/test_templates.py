"""Premise templates: learned from annotated traced tactics, instantiated with retrieved premises."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from prover.data.records import CorpusFile, CorpusPremise, PremiseRef, TracedTactic, TracedTheorem
from prover.models.common import TacticCandidate
from prover.models.generators.templates import (
    RetrievedPremiseText,
    TemplateError,
    TemplateGenerator,
    TemplateSet,
    goal_shape,
    learn_templates,
    template_of,
)

EQ = "n : nat\n============================\nn + 0 = n"
IMPL = "============================\nforall n : nat, n <= n -> True"


def _tactic(annotated: str, premises: list[str], state: str = EQ) -> TracedTactic:
    refs = [PremiseRef(full_name=p, def_path="A.v", def_pos=(1, 1), def_end_pos=(1, 2)) for p in premises]
    plain = annotated.replace("<a>", "").replace("</a>", "")
    return TracedTactic(tactic=plain, annotated_tactic=(annotated, refs), state_before=state, state_after="no goals")


def _theorem(i: int, tactics: list[TracedTactic]) -> TracedTheorem:
    return TracedTheorem(url="u", commit="c", file_path="B.v", full_name=f"t{i}", start=(i, 1), end=(i, 9),
                         traced_tactics=tactics)


CORPUS = [CorpusFile(path="A.v", premises=[
    CorpusPremise(full_name="A.lem", code="Lemma lem : True.", start=(1, 1), end=(1, 9), kind="Lemma"),
    CorpusPremise(full_name="A.def", code="Definition def := 0.", start=(2, 1), end=(2, 9), kind="Definition"),
])]


def test_template_of_replaces_the_one_premise_and_drops_bullets():
    assert template_of("- apply <a>Nat.add_comm</a>.") == ("apply {}.", "Nat.add_comm")
    assert template_of("now  rewrite <- <a>x</a>.") == ("now rewrite <- {}.", "x")
    assert template_of("rewrite <a>x</a>, <a>y</a>.") is None  # two premises
    assert template_of("auto.") is None
    # unmarked traces: the premise is found by the longest suffix of its name written there
    assert template_of("rewrite Nat.add_0_r.", "Coq.Arith.PeanoNat.Nat.add_0_r") == ("rewrite {}.", "Nat.add_0_r")
    assert template_of("rewrite add_0_r'.", "Coq.Arith.PeanoNat.Nat.add_0_r") is None


def test_goal_shape_reads_the_conclusion_not_the_hypotheses():
    assert goal_shape(EQ) == "eq"
    assert goal_shape(IMPL) == "forall"
    assert goal_shape("H : a = b\n============================\nP <-> Q") == "iff"


def test_learned_prior_depends_on_premise_kind_and_keeps_only_shared_templates():
    theorems = [
        _theorem(1, [_tactic("apply <a>A.lem</a>.", ["A.lem"]), _tactic("unfold <a>A.def</a>.", ["A.def"])]),
        _theorem(2, [_tactic("apply <a>A.lem</a>.", ["A.lem"]), _tactic("unfold <a>A.def</a>.", ["A.def"])]),
        _theorem(3, [_tactic("- apply <a>A.lem</a>.", ["A.lem"]), _tactic("apply (H <a>A.lem</a>).", ["A.lem"]),
                     _tactic("apply (H <a>A.lem</a>).", ["A.lem"])]),
    ]
    templates = TemplateSet.learn(theorems, CORPUS, min_count=2)
    assert [t.template for t in templates.templates] == ["apply {}.", "unfold {}."]  # apply (H {}). in one theorem
    lemma = dict(templates.log_prior("Lemma", "eq"))
    definition = dict(templates.log_prior("Definition", "eq"))
    assert lemma["apply {}."] > lemma["unfold {}."]
    assert definition["unfold {}."] > definition["apply {}."]
    assert sum(math.exp(v) for v in lemma.values()) == pytest.approx(1.0)
    with pytest.raises(TemplateError, match="min_count=5"):
        TemplateSet.learn(theorems, CORPUS, min_count=5)


def test_templates_save_load_and_learn_from_a_dataset(coq_dataset, tmp_path):
    learned = learn_templates(coq_dataset, min_count=3)
    heads = {t.template for t in learned.templates}
    assert {"apply {}.", "rewrite {}."} <= heads
    learned.save(tmp_path)
    assert TemplateSet.load(tmp_path) == learned
    (tmp_path / "templates.json").write_text("{}")
    with pytest.raises(TemplateError, match="not a templates file"):
        TemplateSet.load(tmp_path)


class _Fixed:
    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def suggest_batch(self, states, premises, k):
        self.seen.extend(premises)
        return [[TacticCandidate("auto.", math.log(0.9)), TacticCandidate("apply A.lem.", math.log(0.1))]
                for _ in states]

    def suggest(self, state, premises, k):
        return self.suggest_batch([state], [premises], k)[0]


def test_generator_mixes_template_tactics_of_the_best_premises():
    theorems = [_theorem(i, [_tactic("apply <a>A.lem</a>.", ["A.lem"]), _tactic("unfold <a>A.def</a>.", ["A.def"])])
                for i in range(3)]
    templates = TemplateSet.learn(theorems, CORPUS, min_count=2)
    base = _Fixed()
    gen = TemplateGenerator(base, templates, weight=0.5, premises_to_base=False)
    premises = [RetrievedPremiseText("Lemma good : True.", "A.good", "Lemma", 0.9),
                RetrievedPremiseText("Lemma bad : True.", "A.bad", "Lemma", 0.85)]
    out = gen.suggest(EQ, premises, 6)
    tactics = [c.tactic for c in out]
    assert len(out) == 6 and len(set(tactics)) == 6
    assert tactics.index("apply A.good.") < tactics.index("apply A.bad.")
    assert tactics.index("apply A.good.") < tactics.index("unfold A.good.")
    assert sum(math.exp(c.logprob) for c in out) <= 1 + 1e-9
    assert base.seen == [[]]  # the wrapped generator did not read the premises
    # a template tactic the generator proposed too, under a shorter name, is one candidate
    merged = gen.suggest(EQ, [RetrievedPremiseText("Lemma lem : True.", "Lib.A.lem", "Lemma", 0.9)], 8)
    tactics = [c.tactic for c in merged]
    assert "apply Lib.A.lem." not in tactics and "unfold Lib.A.lem." in tactics
    assert dict((c.tactic, c.logprob) for c in merged)["apply A.lem."] > math.log(0.5 * 0.1) + 0.1
    # plain premise texts (no name, no score) give the wrapped generator's candidates only
    plain = TemplateGenerator(_Fixed(), templates, weight=0.5).suggest(EQ, ["Lemma good : True."], 4)
    assert [c.tactic for c in plain] == ["auto.", "apply A.lem."]


def test_train_templates_command(coq_dataset, tmp_path):
    from typer.testing import CliRunner

    from proofplan import commands  # noqa: F401  (registers the commands)
    from proofplan.apps import app

    runner = CliRunner()
    res = runner.invoke(app, ["train", "templates", str(coq_dataset), "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    assert TemplateSet.load(tmp_path).templates[0].template in {"apply {}.", "rewrite {}."}
    res = runner.invoke(app, ["train", "templates", str(coq_dataset), "--min-count", "1000", "--out", str(tmp_path)])
    assert isinstance(res.exception, TemplateError) and "min_count=1000" in str(res.exception)
    # through the console script: one line, exit code 2
    cli = subprocess.run([sys.executable, "-m", "proofplan.cli", "train", "templates", str(tmp_path / "missing")],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and cli.stderr.strip() == f"error: dataset folder {tmp_path / 'missing'} does not exist"


def test_a_retrieved_premise_survives_pickling_with_its_name_kind_and_score():
    import pickle

    premise = RetrievedPremiseText("Lemma app_nil_r ...", "Coq.Lists.List.app_nil_r", "Lemma", 0.75)
    back = pickle.loads(pickle.dumps([premise]))[0]
    assert (back, back.full_name, back.kind, back.score) == (
        "Lemma app_nil_r ...", "Coq.Lists.List.app_nil_r", "Lemma", 0.75)
    assert isinstance(back, RetrievedPremiseText)
