"""Premise templates: retrieved premises turned into tactics that use them.

Learned from a dataset's traced tactics whose annotated tactic marks exactly one premise
(``apply <a>Nat.add_comm</a>.``): the premise is replaced by a slot (``apply {}.``), leading
bullets are dropped, and each template is counted per *premise kind* (the corpus kind of the
marked premise: ``Lemma``, ``Definition``, ...) and per *goal shape* (:func:`goal_shape` of the
state the tactic ran in). A template used in fewer than ``min_count`` theorems is dropped (it
names their local hypotheses), and at most ``max_templates`` of the most frequent are kept.

At a search state, each retrieved premise ``p`` (with retriever score ``s_p``) and template ``t``
give the tactic ``t(p)`` with score

    log P(t | kind(p), shape(state)) + log softmax_p(s_p / temperature)

(the template prior, add-``alpha`` smoothed and backed off from (kind, shape) to kind to all),
a distribution over (template, premise) pairs. :class:`TemplateGenerator` mixes it with another
generator's distribution like :class:`~prover.models.generators.combined.MixtureGenerator`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from common.errors import ProofplanError
from prover.data.records import CorpusFile, TracedTheorem
from prover.models.common import TacticCandidate, TacticGenerator
from prover.models.generators.combined import mix

TEMPLATES_FILE = "templates.json"
SLOT = "{}"
OTHER_KIND = "other"
_MARK = re.compile(r"<a>(.*?)</a>", re.S)
_BULLETS = re.compile(r"^(?:[-+*]+\s*|\{\s*)+")
_WS = re.compile(r"\s+")
_GOAL_BAR = re.compile(r"^\s*=+\s*$")


class TemplateError(ProofplanError):
    """A templates file is missing or unusable."""


class RetrievedPremiseText(str):
    """A retrieved premise as the generators see it: its text (what a seq2seq model reads),
    carrying the premise's full name, corpus kind and retriever score (what templates use)."""

    full_name: str
    kind: str
    score: float

    def __new__(cls, text: str, full_name: str, kind: str | None, score: float) -> RetrievedPremiseText:
        obj = super().__new__(cls, text)
        obj.full_name, obj.kind, obj.score = full_name, kind or OTHER_KIND, float(score)
        return obj

    def __reduce__(self) -> tuple[type, tuple[str, str, str, float]]:
        # pickled whole (a Ray worker sends its premises to a shared generator's actor)
        return RetrievedPremiseText, (str(self), self.full_name, self.kind, self.score)


def goal_conclusion(state: str) -> str:
    """The conclusion of the first goal of a pretty-printed Coq state (the whole first goal
    when it has no ``====`` line)."""
    first = state.strip().split("\n\n")[0]
    lines = first.splitlines()
    for i, line in enumerate(lines):
        if _GOAL_BAR.match(line):
            return " ".join(lines[i + 1:]).strip()
    return " ".join(lines).strip()


def goal_shape(state: str) -> str:
    """A coarse class of the goal's conclusion: ``forall``, ``impl``, ``iff``, ``eq``, ``neq``,
    ``le``, ``and``, ``or``, ``exists`` or ``other`` (the outermost of these the text shows)."""
    goal = goal_conclusion(state)
    if goal.startswith("forall "):
        return "forall"
    if goal.startswith("exists "):
        return "exists"
    for shape, token in (("iff", "<->"), ("impl", "->"), ("or", "\\/"), ("and", "/\\"),
                         ("neq", "<>"), ("le", "<="), ("le", "<"), ("eq", "=")):
        if token in goal:
            return shape
    return "other"


def mark_premise(tactic: str, full_name: str) -> str:
    """``tactic`` with the premise ``full_name`` marked ``<a>...</a>`` where it is written by the
    longest dotted suffix of its name (unchanged when the name does not occur)."""
    parts = full_name.split(".")
    for i in range(len(parts)):
        written = ".".join(parts[i:])
        found = re.search(rf"(?<![\w.']){re.escape(written)}(?![\w'])", tactic)
        if found:
            return f"{tactic[:found.start()]}<a>{written}</a>{tactic[found.end():]}"
    return tactic


def template_of(annotated: str, premise: str | None = None) -> tuple[str, str] | None:
    """``(template, premise as written)`` of an annotated tactic marking exactly one premise
    (bullets dropped, whitespace normalised); None otherwise. A tactic without marks (some
    traces give only the premise list) is marked at the name of ``premise`` first."""
    if premise is not None and "<a>" not in annotated:
        annotated = mark_premise(annotated, premise)
    marks = _MARK.findall(annotated)
    if len(marks) != 1:
        return None
    text = _WS.sub(" ", annotated).strip()
    text = _BULLETS.sub("", text).strip()
    if not text.endswith("."):
        return None
    if SLOT in text:
        return None
    return _MARK.sub(SLOT, text, count=1), marks[0]


class TemplateStat(BaseModel):
    template: str
    count: int
    by_kind: dict[str, int] = Field(default_factory=dict)
    by_kind_shape: dict[str, int] = Field(default_factory=dict)


class TemplateSet(BaseModel):
    """Learned templates (the JSON saved beside the premise retriever as ``templates.json``)."""

    templates: list[TemplateStat]
    total: int
    kind_totals: dict[str, int]
    kind_shape_totals: dict[str, int]
    alpha: float = 1.0
    min_count: int = 3
    source: str = ""

    @classmethod
    def learn(cls, theorems: Iterable[TracedTheorem], corpus: Iterable[CorpusFile], *,
              min_count: int = 3, max_templates: int = 32, source: str = "") -> TemplateSet:
        kinds = {p.full_name: (p.kind or OTHER_KIND) for f in corpus for p in f.premises}
        counts: Counter[str] = Counter()
        seen_in: dict[str, set[str]] = {}
        by_kind: dict[str, Counter[str]] = {}
        by_kind_shape: dict[str, Counter[str]] = {}
        for thm in theorems:
            for tac in thm.traced_tactics:
                names = {p.full_name for p in tac.premises}
                if len(names) != 1:
                    continue
                found = template_of(tac.annotated_tactic[0], next(iter(names)))
                if found is None:
                    continue
                template = found[0]
                kind = kinds.get(next(iter(names)), OTHER_KIND)
                counts[template] += 1
                seen_in.setdefault(template, set()).add(f"{thm.file_path}:{thm.full_name}")
                by_kind.setdefault(template, Counter())[kind] += 1
                key = f"{kind}|{goal_shape(tac.state_before)}"
                by_kind_shape.setdefault(template, Counter())[key] += 1
        kept = [t for t, c in counts.most_common() if len(seen_in[t]) >= min_count][:max_templates]
        if not kept:
            raise TemplateError("no tactic template occurs in enough theorems' traced tactics "
                                f"(min_count={min_count}); is the dataset annotated with premises?")
        stats = [TemplateStat(template=t, count=counts[t], by_kind=dict(by_kind[t]),
                              by_kind_shape=dict(by_kind_shape[t])) for t in kept]
        kind_totals: Counter[str] = Counter()
        shape_totals: Counter[str] = Counter()
        for s in stats:
            kind_totals.update(s.by_kind)
            shape_totals.update(s.by_kind_shape)
        return cls(templates=stats, total=sum(s.count for s in stats), kind_totals=dict(kind_totals),
                   kind_shape_totals=dict(shape_totals), min_count=min_count, source=source)

    def log_prior(self, kind: str, shape: str) -> list[tuple[str, float]]:
        """``log P(template | kind, shape)`` of every template: add-``alpha`` estimates, each
        level smoothed towards the coarser one (all -> kind -> kind and shape)."""
        n = len(self.templates)
        a = self.alpha
        p_all = [(s.count + a) / (self.total + a * n) for s in self.templates]
        kt = self.kind_totals.get(kind, 0)
        p_kind = [(s.by_kind.get(kind, 0) + a * n * p) / (kt + a * n) for s, p in zip(self.templates, p_all,
                                                                                    strict=True)]
        key = f"{kind}|{shape}"
        st = self.kind_shape_totals.get(key, 0)
        p_ks = [(s.by_kind_shape.get(key, 0) + a * n * p) / (st + a * n)
                for s, p in zip(self.templates, p_kind, strict=True)]
        return [(s.template, math.log(p)) for s, p in zip(self.templates, p_ks, strict=True)]

    def save(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / TEMPLATES_FILE
        path.write_text(self.model_dump_json(indent=1) + "\n")
        return path

    @classmethod
    def load(cls, folder: Path) -> TemplateSet:
        path = Path(folder) / TEMPLATES_FILE
        if not path.is_file():
            raise TemplateError(f"no premise templates at {path} (run `proofplan train templates DATASET`)")
        try:
            return cls.model_validate_json(path.read_text())
        except ValueError as exc:
            raise TemplateError(f"{path} is not a templates file: {str(exc).splitlines()[0]}") from exc

    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / TEMPLATES_FILE).is_file()


def learn_templates(dataset_dir: Path, split: str = "random", *, min_count: int = 3,
                    max_templates: int = 32) -> TemplateSet:
    """Templates of the train part of ``split`` of a dataset folder (with its corpus)."""
    from prover.data.dataset import load_corpus, load_split

    return TemplateSet.learn(load_split(dataset_dir, split, "train"), load_corpus(dataset_dir),
                             min_count=min_count, max_templates=max_templates,
                             source=f"{Path(dataset_dir).name}/{split}/train")


def premise_log_softmax(scores: Sequence[float], temperature: float) -> list[float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [math.log(e / total) for e in exps]


class TemplateGenerator:
    """A generator's candidates mixed with template tactics over the retrieved premises.

    The premises a search passes in must be :class:`RetrievedPremiseText` (plain strings give no
    template candidates). ``weight`` is the template distribution's share of the mixture (none
    without ``templates``); ``premises_to_base`` says whether the wrapped generator also reads
    the premises.
    """

    def __init__(self, base: TacticGenerator, templates: TemplateSet | None, *, weight: float,
                 temperature: float = 0.05, premises_to_base: bool = True) -> None:
        if not 0.0 <= weight < 1.0:
            raise ValueError("template weight must be in [0, 1)")
        self.base, self.templates = base, templates
        weight = weight if templates is not None else 0.0
        self.temperature = temperature
        self.premises_to_base = premises_to_base
        self.log_weights = [math.log(1.0 - weight), math.log(weight) if weight > 0 else -math.inf]

    def template_candidates(self, state: str, premises: Sequence[str]) -> list[TacticCandidate]:
        retrieved = [p for p in premises if isinstance(p, RetrievedPremiseText)]
        if not retrieved or self.templates is None:
            return []
        shape = goal_shape(state)
        p_premise = premise_log_softmax([p.score for p in retrieved], self.temperature)
        priors: dict[str, list[tuple[str, float]]] = {}
        out: dict[str, float] = {}
        for premise, lp in zip(retrieved, p_premise, strict=True):
            if premise.kind not in priors:
                priors[premise.kind] = self.templates.log_prior(premise.kind, shape)
            for template, lt in priors[premise.kind]:
                tactic = template.replace(SLOT, premise.full_name, 1)
                out[tactic] = max(out.get(tactic, -math.inf), lt + lp)
        return [TacticCandidate(t, s) for t, s in out.items()]

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return self.suggest_batch([state], [premises], k)[0]

    def suggest_batch(self, states: list[str], premises: list[list[str]], k: int) -> list[list[TacticCandidate]]:
        base_premises = premises if self.premises_to_base else [[] for _ in states]
        base = self.base.suggest_batch(states, base_premises, k)
        out = []
        for state, prem, cands in zip(states, premises, base, strict=True):
            # A template tactic the generator also proposed (with a shorter name for the
            # premise) is the same tactic: it takes the generator's spelling, so mixing adds up.
            spelled = {short_names(c.tactic): c.tactic for c in cands}
            templated = [TacticCandidate(spelled.get(short_names(c.tactic), c.tactic), c.logprob)
                         for c in self.template_candidates(state, prem)]
            out.append(mix([cands, templated], self.log_weights, k))
        return out


_QUALIFIED = re.compile(r"(?<![\w'])(?:[A-Za-z_][\w']*\.)+([A-Za-z_][\w']*)")


def short_names(tactic: str) -> str:
    """``tactic`` with every qualified name cut to its last part and whitespace normalised."""
    return _QUALIFIED.sub(r"\1", _WS.sub(" ", tactic).strip())
