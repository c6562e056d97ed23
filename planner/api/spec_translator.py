"""A translator that needs no cues: it reads a request against an imported catalog (see
``importers``) with only the APIs' and parameters' own names, types and descriptions.

1. Goals: each clause of the request is embedded with the shared sentence encoder and compared
   with every API's name and description (mixed with its sentence's similarity, plus a small
   bonus for APIs whose output fields the clause names and for APIs that share data flow with
   another clause's goal or belong to its service, plus an idf-weighted overlap of word stems
   with the API's name and description); the closest API per clause is a goal (an API that only
   feeds a close rival gives way to it; a clause whose pick is already a goal takes its own
   closest unchosen API when that is nearly as close). A clause that states a value ("my key is
   K-77") asks for nothing.
2. Instances: each goal API becomes a call instance; an input linked to another API's output
   (the catalog's data flow) gets a feeder instance of that API. The input's leading name words
   are its role (``originSkyId`` -> ``origin``), so one API can run several times with different
   bindings (two airport searches, one per role). Instances with the same bindings merge.
3. Values: dates (ISO, in declaration order of the date parameters), numbers named by a unit or
   a parameter word, enum options the text names, and strings (proper names, quoted text, codes,
   "about X" topics, "X is V" statements) ranked by encoder similarity to the parameter's
   description, by role prepositions ("from" for origin, "to" for destination) and by nearness
   to the clause that asked for the call; a value stated as "<key> is <value>" binds its input
   directly, and a later literal that an earlier call looked up reads that call's nested
   ``name`` output. A value that fits none of the example forms an input's description shows
   ("Italy" where 'FR' is shown) is converted by a one-input look-up API; a goal whose sentence
   states no value reads the field an earlier goal returns under the input's name. Declared
   defaults of optional parameters are sent. The few weights were set on NESTFUL's executable
   split.
4. Planning stays symbolic: the instances become a request-specific catalog (one API and one
   type per instance and value), clingo decides reachability and what to ask, a classical
   planner orders the calls (pyperplan or Fast Downward; the CLI defaults to pyperplan, whose
   ~80 ms beats Fast Downward's ~0.3 s start-up on these few-action tasks), and inputs nothing
   fills become ``get_info`` steps.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from planner.api.catalog import ApiSpec, Catalog, TypeSpec
from planner.api.importers import _alternatives, _words
from planner.api.plan import ApiPlan
from planner.api.request import ApiRequest, ProvidedValue
from planner.api.roles import context_words, role_words
from planner.api.values import CONNECTORS, FUNCTION_WORDS, Span, scan
from retrieval.encoder import l2_normalise

ROLE_PREPOSITIONS = {
    "origin": "from", "source": "from", "from": "from", "departure": "from", "start": "from",
    "destination": "to", "target": "to", "to": "to", "arrival": "to", "dest": "to",
}
OPPOSITE = {"from": "to", "to": "from"}
GENERIC_KEY_WORDS = {"id", "name", "code", "key", "number"}
TOPICAL_WORDS = {"query", "keyword", "keywords", "topic", "term", "terms", "q", "search", "subject"}
CLAUSE_RE = re.compile(r"[^.;!?]+(?:[.;!?]|$)")
CLAUSE_SPLIT = re.compile(r",?\s+\b(?:and then|then|and also|also|and|as well as|plus)\b\s+|,\s+", re.IGNORECASE)


class NestfulCall(BaseModel):
    """One call in NESTFUL's format: arguments are literals or ``$varN.path$`` references."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    label: str


class Question(BaseModel):
    """A ``get_info`` step: the value of ``param`` of the call labelled ``call``."""

    call: str
    param: str
    text: str


class SpecPlan(BaseModel):
    """The translator's answer: the ordered calls, what must be asked, and the symbolic plan.
    ``apis`` maps each call's label to its catalog API (names may repeat in the source);
    ``goals`` are the labels of the calls the request asks for."""

    calls: list[NestfulCall]
    asks: list[str] = Field(default_factory=list)
    plan: ApiPlan
    seconds: float = 0.0
    questions: list[Question] = Field(default_factory=list)
    apis: dict[str, str] = Field(default_factory=dict)
    goals: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


@dataclass
class Ref:
    instance: int
    path: str


@dataclass
class Instance:
    id: int
    api: ApiSpec
    role: tuple[str, ...]
    anchor: tuple[int, int]
    bindings: dict[str, Any] = field(default_factory=dict)  # param -> literal | Ref | None (missing)
    goal: bool = False
    date_spans: dict[str, int] = field(default_factory=dict)  # param -> index of the date it took

    def key(self) -> tuple:
        return (self.api.name, tuple(sorted(
            (p, (b.instance, b.path) if isinstance(b, Ref) else repr(b)) for p, b in self.bindings.items())))


def lexical_stem(word: str) -> str:
    """A crude stem for word overlap: one of -ing, -ed, -es, -s, -e off when four letters stay."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _split_pieces(sentence: str) -> list[str]:
    """The sentence cut at its clause links, except a comma or "and" between two capitalised
    words ("London, UK" and "Posts and Reels" name one thing) and a comma before a number
    ("August 15, 2024")."""
    pieces, start = [], 0
    for m in CLAUSE_SPLIT.finditer(sentence):
        before = re.findall(r"[\w'-]+", sentence[start:m.start()])[-1:]
        after = re.findall(r"[\w'-]+", sentence[m.end():])[:1]
        link = m.group(0).strip(" ,").lower()
        if link in ("", "and") and before and after and before[0][0].isupper() and after[0][0].isupper():
            continue
        if not link and after and after[0].isdigit():
            continue  # "August 15, 2024"
        pieces.append(sentence[start:m.start()])
        start = m.end()
    pieces.append(sentence[start:])
    return pieces


FIXED_VALUE_RE = re.compile(r"\b(?i:in this case|must be|always|set (?:it )?to)\s+['\"]?([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b")
SHORT_FORM_WORDS = {"short", "abbreviation", "abbreviated", "abbrev", "acronym", "iso", "alpha2"}
EXAMPLE_RE = re.compile(r"'([^'\s][^']{0,30})'|\be\.g\.?[:,]?\s*(?:\w+=)?([^\s,;)]+)(?=\s*[,;)]|\s*$)", re.IGNORECASE)


OBJECT_END = re.compile(r"\s+(?:with|and|that|which|who|whose|to|then)\b|[.;!?]")


def object_phrase(sentence: str) -> str | None:
    """What a request asks to find: the sentence after its opening request words, up to the next
    link ("Find me pet groomers near Sydney, Australia and their reviews" -> "pet groomers near
    Sydney, Australia")."""
    pos = 0
    for m in re.finditer(r"[\w'-]+", sentence):
        if m.group(0).lower() not in FUNCTION_WORDS:
            pos = m.start()
            break
    else:
        return None
    end = OBJECT_END.search(sentence, pos)
    phrase = sentence[pos:end.start() if end else len(sentence)].strip(" ,")
    return phrase if 1 <= len(phrase.split()) <= 8 else None


def description_examples(description: str) -> list[str]:
    """Example values a description shows: quoted (``use 'FR' for France``) or one token after
    "e.g." (``e.g. mrbeast)``; not ``e.g., city name``, which describes)."""
    found = [(m.group(1) or m.group(2)).rstrip(".") for m in EXAMPLE_RE.finditer(description)]
    return [e for e in found if re.search(r"\w", e)]


def shape(value: str) -> str:
    """A value's written form: upper-case runs ``A``, lower-case ``a``, digits ``9``, others kept
    (``US-CA`` -> ``A-A``, ``Italy`` and ``South Africa`` -> ``Aa``, ``mrbeast`` -> ``a``)."""
    out = re.sub(r"[A-Z]+", "A", value)
    out = re.sub(r"[a-z]+", "a", out)
    out = re.sub(r"[0-9]+", "9", out)
    return re.sub(r"(\S+)(?: \1)+", r"\1", out)  # "Cape Town" is written as "Paris" is


def clauses(text: str) -> list[tuple[int, int, str, tuple[int, int]]]:
    """Pieces of the request that each ask for one thing: span, text and the sentence's span."""
    out = []
    for sent in CLAUSE_RE.finditer(text):
        pos = sent.start()
        for piece in _split_pieces(sent.group(0)):
            start = text.find(piece, pos)
            if start < 0:
                continue
            pos = start + len(piece)
            if len([w for w in re.findall(r"[a-z]+", piece.lower()) if w not in FUNCTION_WORDS]) >= 1:
                out.append((start, start + len(piece), piece.strip(" ,.;!?"), sent.span()))
    return out


class SpecTranslator:
    """Cue-free request translation and planning for one imported catalog."""

    def __init__(self, catalog: Catalog, encoder: Any, default_year: int = 2025,
                 goal_margin: float = 0.05, goal_floor: float = 0.2, piece_weight: float = 0.5,
                 coherence: float = 0.04, name_weight: float = 0.0,
                 piece_floor: float = 0.0, optional_floor: float = 0.6,
                 output_bonus: float = 0.05, distinct_margin: float = 0.02,
                 lexical_weight: float = 0.2, service_bonus: float = 0.08) -> None:
        self.catalog = catalog = merge_repeated_names(catalog)
        self.encoder = encoder
        self.default_year = default_year
        self.name_weight = name_weight
        self.goal_margin = goal_margin
        self.goal_floor = goal_floor
        self.piece_weight = piece_weight
        self.value_floor = -0.2
        self.coherence = coherence
        self.piece_floor = piece_floor
        self.optional_floor = optional_floor
        self.output_bonus = output_bonus
        self.distinct_margin = distinct_margin
        self.distinct_floor = 0.3  # a piece that names an API by itself
        self.converter_floor = 0.3
        self.service_bonus = service_bonus
        self.notes: list[str] = []  # what the last translation says about shared values
        self.apis = list(catalog.apis)
        self._out_words = [{_stem(w) for path in a.outputs if path != "_result" for w in _words(path.split(".")[-1])}
                           for a in self.apis]
        full = encoder.encode([self.api_text(a) for a in self.apis])
        named = encoder.encode([" ".join(_words(a.label)) for a in self.apis])
        self._api_vecs = l2_normalise(full + self.name_weight * named)
        self._vec_cache: dict[str, np.ndarray] = {}
        self.lexical_weight = lexical_weight
        self._api_stems = [{lexical_stem(w) for w in _words(a.label) + re.findall(r"[a-z]+", a.description.lower())
                            if len(w) >= 3} for a in self.apis]
        df = Counter(w for doc in self._api_stems for w in doc)
        self._idf = {w: math.log(len(self.apis) / n) for w, n in df.items()}
        self._producer = {o: a for a in reversed(self.apis) for o in a.outputs.values()}
        self._feeds = {a.name: {self._producer[t].name for t in a.inputs.values() if t in self._producer}
                       for a in self.apis}

    @staticmethod
    def api_text(api: ApiSpec) -> str:
        return f"{' '.join(_words(api.label))}. {api.description}"

    def _vec(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._vec_cache]
        if todo:
            for t, v in zip(todo, self.encoder.encode(todo), strict=True):
                self._vec_cache[t] = v
        return np.stack([self._vec_cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def _upstream(self, name: str) -> set[str]:
        seen, todo = set(), [name]
        while todo:
            for f in self._feeds.get(todo.pop(), ()):
                if f not in seen:
                    seen.add(f)
                    todo.append(f)
        return seen

    # --- 1. goals ------------------------------------------------------------------------------
    def goals(self, text: str) -> list[tuple[ApiSpec, tuple[int, int]]]:
        """Goal APIs with the span of the sentence that asks for each, in order of mention.

        A piece's score for an API mixes the piece's and its sentence's similarity to the API;
        a second pass adds ``coherence`` to APIs that share data flow with another piece's goal
        (short pieces such as "and their reviews" lean on the rest of the request)."""
        pieces = clauses(text) or [(0, len(text), text, (0, len(text)))]
        sentences = list(dict.fromkeys(p[3] for p in pieces))
        sent_sims = dict(zip(sentences, self._vec([text[a:b] for a, b in sentences]) @ self._api_vecs.T, strict=True))
        piece_sims = self._vec([p[2] for p in pieces]) @ self._api_vecs.T
        if self.lexical_weight:
            piece_sims = piece_sims + self.lexical_weight * np.stack([self._lexical(p[2]) for p in pieces])
        rows = [self.piece_weight * row + (1 - self.piece_weight) * sent_sims[p[3]] + self._output_match(p[2])
                for p, row in zip(pieces, piece_sims, strict=True)]
        first = [self._pick(row, set()) for row in rows]
        chosen: list[tuple[ApiSpec, tuple[int, int]]] = []
        statements = [s for s in scan(text, self.default_year) if s.kind.startswith("assigned:")]
        for i, (piece, row) in enumerate(zip(pieces, rows, strict=True)):
            if float(piece_sims[i].max()) < self.piece_floor:
                continue  # a piece that names no API by itself ("for the form 10-K")
            if any(piece[0] <= s.start < piece[1] for s in statements):
                continue  # "my city key is K-77" states a value; it asks for nothing
            others = {a.name for j, a in enumerate(first) if j != i and a is not None}
            api = self._pick(row, others)
            # APIs are told apart by the name calls use: a source that repeats a name with
            # another spec offers one function twice, not two functions.
            if api is not None and any(api.label == c.label for c, _ in chosen):
                api = self._another(piece_sims[i], {c.label for c, _ in chosen})
            if api is not None and all(api.label != c.label for c, _ in chosen):
                chosen.append((api, piece[3]))
        return chosen

    def _another(self, piece_row: np.ndarray, taken: set[str]) -> ApiSpec | None:
        """A piece whose pick is already a goal asks for something else when, by its own words
        alone, an API not yet chosen is (nearly) its closest ("the forecast and current weather")."""
        best = float(piece_row.max())
        for j in np.argsort(-piece_row):
            if piece_row[j] < max(self.distinct_floor, best - self.distinct_margin):
                return None
            if self.apis[j].label not in taken:
                return self.apis[j]
        return None

    def _lexical(self, piece: str) -> np.ndarray:
        """The idf-weighted share of the piece's content stems that an API's name and description
        contain ("calculate the value" and ``CalculateAllArithmeticOperations``)."""
        stems = {lexical_stem(w) for w in re.findall(r"[a-z]+", piece.lower())
                 if len(w) >= 3 and w not in FUNCTION_WORDS}
        weights = {w: self._idf.get(w, 0.0) for w in stems}
        total = sum(weights.values())
        if not total:
            return np.zeros(len(self.apis))
        return np.array([sum(v for w, v in weights.items() if w in doc) / total for doc in self._api_stems])

    def _output_match(self, piece: str) -> np.ndarray:
        """A bonus for APIs whose output fields the piece names ("biography", "likes")."""
        words = {_stem(w) for w in re.findall(r"[a-z]+", piece.lower()) if len(w) >= 4 and w not in FUNCTION_WORDS}
        return np.array([self.output_bonus * min(2, len(words & out)) for out in self._out_words])

    def _pick(self, row: np.ndarray, context: set[str]) -> ApiSpec | None:
        if context:
            # APIs that read what another goal makes, or share a feeder with it (not its feeders),
            # and APIs of another goal's service (``service_bonus``: a request keeps to a service).
            related: set[str] = set()
            for name in context:
                roots = self._upstream(name) | {name}
                related |= self._downstream(name) | {a.name for a in self.apis if self._upstream(a.name) & roots}
            bonus = np.array([self.coherence if a.name in related else 0.0 for a in self.apis])
            services = {self._service(n) for n in context}
            same = np.array([self.service_bonus if self._service(a.name) in services else 0.0 for a in self.apis])
            row = row + np.maximum(bonus, same)
        best = float(row.max())
        if best < self.goal_floor:
            return None
        close = [self.apis[i] for i in np.argsort(-row) if row[i] >= best - self.goal_margin]
        names = {a.name for a in close}
        fed = set().union(*(self._upstream(a.name) for a in close))
        for api in close:
            if api.name in fed and names - {api.name}:
                continue  # an API that only feeds a close rival gives way to it
            return api
        return None

    def _service(self, name: str) -> str:
        """The service an API belongs to: the first word of its name (``Instagram_Info``)."""
        label = self.catalog.api_by_name[name].label
        return (_words(label) or [""])[0]

    def _downstream(self, name: str) -> set[str]:
        return {a for a, feeds in self._feeds.items() if name in feeds}

    # --- 2/3. instances and values -------------------------------------------------------------
    def translate(self, text: str) -> tuple[list[Instance], list[Span]]:
        spans = scan(text, self.default_year)
        if len(self._vec_cache) > 20000:
            self._vec_cache.clear()
        pieces = clauses(text)
        # One encoder call per request: pieces, sentences and every candidate value.
        self._vec([p[2] for p in pieces] + [text[a:b] for a, b in {p[3] for p in pieces}]
                  + [str(c.value) for c in self._candidates(spans, ("name", "quoted", "code", "topic", "assigned"))])
        instances: list[Instance] = []
        by_key: dict[tuple, Instance] = {}
        for api, anchor in self.goals(text):
            inst = self._instantiate(api, (), anchor, text, spans, instances, by_key)
            inst.goal = True
        self._reuse_names(instances)
        self.notes = self._date_roles(instances, spans, text)
        return instances, spans

    def _reuse_names(self, instances: list[Instance]) -> None:
        """A later call that repeats a literal an earlier call looked up reads that call's
        ``name`` output instead (the resolved name: ``$var1.location.name$``)."""
        for inst in instances:
            for param, b in list(inst.bindings.items()):
                if not isinstance(b, str) or param not in inst.api.inputs:
                    continue
                for earlier in instances:
                    if earlier.id >= inst.id or b not in earlier.bindings.values():
                        continue
                    # a nested ``name`` field: the name of the object the earlier call looked up
                    path = next((p for p in earlier.api.outputs if p.split(".")[-1] == "name" and "." in p), None)
                    if path is not None:
                        inst.bindings[param] = Ref(earlier.id, path)
                        break

    def _instantiate(self, api: ApiSpec, role: tuple[str, ...], anchor: tuple[int, int], text: str,
                     spans: list[Span], instances: list[Instance], by_key: dict[tuple, Instance],
                     depth: int = 0) -> Instance:
        inst = Instance(id=len(instances) + 1, api=api, role=role, anchor=anchor)
        for param, tname in api.inputs.items():
            producer = self._producer.get(tname)
            stated = self._stated(api, param, spans)
            earlier = self._earlier_output(api, param, anchor, spans, instances) if depth == 0 else None
            if earlier is not None:  # "... and then the posts of the top account" it returned
                inst.bindings[param] = earlier
            elif stated is not None:  # "the instagram id ... is kyliejenner": no look-up needed
                inst.bindings[param] = stated
            elif producer is not None and producer.name != api.name and depth < 4:
                path = next(p for p, t in producer.outputs.items() if t == tname)
                sub_role = self._role(param, path) or role
                feeder = self._instantiate(producer, sub_role, anchor, text, spans, instances, by_key, depth + 1)
                inst.bindings[param] = Ref(feeder.id, path)
            else:
                value = self._value(api, param, tname, role, anchor, text, spans, inst, True)
                converter = self._converter(api, tname, value) if depth < 4 else None
                if converter is not None:  # "Italy" where 'FR'-like codes are asked: look the code up
                    feeder = self._instantiate(converter[0], role, anchor, text, spans, instances, by_key, depth + 1)
                    value = Ref(feeder.id, converter[1])
                inst.bindings[param] = value
        for param, tname in api.optional.items():
            producer = self._producer.get(tname)
            if producer is not None and producer.name != api.name:
                feeder = next((i for i in instances if i.api.name == producer.name), None)
                path = next(p for p, t in producer.outputs.items() if t == tname)
                if feeder is None and not api.inputs and depth < 4:
                    # A spec that marks nothing required still needs the id it links to.
                    feeder = self._instantiate(producer, self._role(param, path) or role, anchor, text, spans,
                                               instances, by_key, depth + 1)
                if feeder is not None:
                    inst.bindings[param] = Ref(feeder.id, path)
                    continue
            value = self._value(api, param, tname, role, anchor, text, spans, inst, False)
            if value is None and not api.inputs and param not in api.defaults and depth < 4:
                value = self._loose_value(api, param, tname, role, anchor, text, spans, inst, instances, by_key, depth)
            if value is not None:
                inst.bindings[param] = value
        key = inst.key()
        if key in by_key:
            return by_key[key]
        inst.id = len(instances) + 1
        instances.append(inst)
        by_key[key] = inst
        return inst

    def _loose_value(self, api: ApiSpec, param: str, tname: str, role: tuple[str, ...], anchor: tuple[int, int],
                     text: str, spans: list[Span], inst: Instance, instances: list[Instance],
                     by_key: dict[tuple, Instance], depth: int) -> Any:
        """For a spec that marks nothing required: a search term (a parameter named query,
        keyword, ...) as if it were required, else, for a search that reads no other call's
        output, the object phrase of the sentence; and a short code its examples show ('US',
        'GB') looked up from a stated name."""
        t = self.catalog.type_by_name[tname]
        if t.value == "text" and set(_words(param)) & TOPICAL_WORDS:
            found = self._string(t, param, role, anchor, text, spans, ("topic", "quoted"))
            if found is None and not any(isinstance(b, Ref) for b in inst.bindings.values()):
                # A search that reads nothing from another call searches for what is asked.
                found = object_phrase(text[anchor[0]:anchor[1]])
            return found
        value = self._string(t, param, role, anchor, text, spans, ("name",))
        converter = self._converter(api, tname, value, short_only=True)
        if converter is None:
            return None
        feeder = self._instantiate(converter[0], role, anchor, text, spans, instances, by_key, depth + 1)
        return Ref(feeder.id, converter[1])

    def _earlier_output(self, api: ApiSpec, param: str, piece: tuple[int, int], spans: list[Span],
                        instances: list[Instance]) -> Ref | None:
        """A goal whose sentence states no value reads a field an earlier goal returns when the
        field's name is the input's name (or one of its ``a_or_b`` alternatives): "List the
        accounts she follows. Then find the posts of the top account holder." """
        kinds = ("name", "quoted", "code", "topic", "assigned")
        if any(piece[0] <= c.start < piece[1] and not self._names_service(str(c.value), loose=True)
               for c in self._candidates(spans, kinds)):
            return None
        alts = [tuple(a) for a in _alternatives(param)]
        for other in reversed([i for i in instances if i.goal and i.api.name != api.name]):
            outputs = sorted(other.api.outputs.items(),  # the first alternative first ("username_or_id")
                             key=lambda kv: alts.index(tuple(_words(kv[0].split(".")[-1])))
                             if tuple(_words(kv[0].split(".")[-1])) in alts else len(alts))
            for path, otype in outputs:
                leaf = tuple(_words(path.split(".")[-1]))
                if (leaf not in alts or self.catalog.type_by_name[otype].value in ("integer", "date")
                        or path.split(".")[-1] in {**other.api.inputs, **other.api.optional}  # echoed back
                        or any(p.startswith(path + ".") for p in other.api.outputs)):  # an object
                    continue
                return Ref(other.id, path)
        return None

    def _converter(self, api: ApiSpec, tname: str, value: Any, short_only: bool = False) -> tuple[ApiSpec, str] | None:
        """An API and output that turn a stated value into the form an input's examples show.

        Only when the input's description gives examples (``'FR'``, ``e.g. mrbeast``) and the
        value has none of their shapes; the output is the one closest to the input by the
        encoder, with a bonus for a short form (abbreviation, short name, ISO) when the examples
        are upper-case abbreviations, and half the similarity of the value to the converter's
        input. The converter takes one required input, which the value fits and no call makes;
        ``short_only``: only a short-form output."""
        t = self.catalog.type_by_name[tname]
        examples = description_examples(t.description)
        if not isinstance(value, str) or not examples or shape(value) in {shape(e) for e in examples}:
            return None
        abbreviations = any(re.fullmatch(r"[A-Z]{2,4}(?:-[A-Z0-9]{1,3})?", e) for e in examples)
        cands: list[tuple[ApiSpec, str, str]] = []
        for other in self.apis:
            if other.name == api.name or len(other.inputs) != 1:
                continue
            own_type = next(iter(other.inputs.values()))
            if own_type in self._producer:
                continue  # its input is itself looked up: no single call converts the value
            own = self.catalog.type_by_name[own_type].description
            if description_examples(own) and shape(value) not in {shape(e) for e in description_examples(own)}:
                continue  # it asks for the same form the value lacks
            for path, otype in other.outputs.items():
                spec = self.catalog.type_by_name[otype]
                if path != "_result" and spec.value not in ("integer", "date"):
                    cands.append((other, path, f"{' '.join(_words(path))}: {spec.description}", own))
        if not cands:
            return None
        sims = self._vec([c[2] for c in cands]) @ self._vec([t.description])[0]
        takes = self._vec([c[3] for c in cands]) @ self._vec([value])[0]
        best, best_score = None, self.converter_floor
        for (other, path, label, _), sim, fit in zip(cands, sims, takes, strict=True):
            score = float(sim) + 0.5 * float(fit)
            if abbreviations and set(re.findall(r"[a-z0-9]+", label.lower())) & SHORT_FORM_WORDS:
                score += 0.3
            elif short_only:
                continue
            if score > best_score:
                best, best_score = (other, path), score
        return best

    @staticmethod
    def _stated(api: ApiSpec, param: str, spans: list[Span]) -> Any:
        """A value the text states for this parameter by name ("<key> is <value>"); a generic
        key word ("id") counts only when the key also names the API ("the instagram id is")."""
        words = set(_words(param)) - {"or", "the"}
        for s in spans:
            if not s.kind.startswith("assigned:"):
                continue
            key = set(s.kind[9:].split())
            shared = words & key
            if shared - GENERIC_KEY_WORDS or (shared and key & {w.lower() for w in _words(api.label)}):
                return s.value
        return None

    @staticmethod
    def _role(param: str, path: str) -> tuple[str, ...]:
        words, leaf = _words(param), _words(path.split(".")[-1])
        return tuple(words[: len(words) - len(leaf)]) if words[-len(leaf):] == leaf else ()

    def _value(self, api: ApiSpec, param: str, tname: str, role: tuple[str, ...], anchor: tuple[int, int],
               text: str, spans: list[Span], inst: Instance, required: bool) -> Any:
        t = self.catalog.type_by_name[tname]
        words = set(_words(param))
        desc = t.description.lower()
        if t.value == "date":
            return self._date(api, param, spans, inst, required)
        fixed = FIXED_VALUE_RE.search(t.description)
        if fixed and required:  # "(In this case CURRENCY_EXCHANGE_RATE)": the description fixes it
            return fixed.group(1)
        options = list(t.values) or re.findall(r"(?:^|\|)\s*([\w-]+)\s*=", t.description)
        if options:
            for opt in options:
                if len(opt) >= 3 and re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text, re.IGNORECASE):
                    return opt
            return None
        if t.value == "integer":
            return self._number(words, desc, spans, text) if not required else (
                self._number(words, desc, spans, text) or self._string(t, param, role, anchor, text, spans, ("number",)))
        kinds = ("name", "quoted", "code", "topic", "assigned")
        if not required:  # an optional string only when the text clearly names it
            return self._string(t, param, role, anchor, text, spans, kinds, floor=self.optional_floor)
        return self._string(t, param, role, anchor, text, spans, kinds)

    def _date(self, api: ApiSpec, param: str, spans: list[Span], inst: Instance, required: bool) -> Any:
        dates = [s.value for s in spans if s.kind == "date"]
        date_params = [p for p, t in {**api.inputs, **api.optional}.items()
                       if self.catalog.type_by_name[t].value == "date"]
        index = date_params.index(param)
        n_required = sum(p in api.inputs for p in date_params)
        if not required and len(dates) <= n_required and n_required:
            return None
        if index < len(dates):
            inst.date_spans[param] = index
            return dates[index]
        return None

    def _date_roles(self, instances: list[Instance], spans: list[Span], text: str) -> list[str]:
        """Dates by role across the plan: a date whose words name one input's role ("born
        1990-02-01") is not also bound to an input of another role; that input takes a date whose
        words name its own role, else a date no role claims and no other input took, else is
        asked. Shared, with a note (returned) saying so: a date no role claims, and a range of
        dates that two calls take whole, in the same order (a flight's departure and return, a
        hotel's check-in and check-out)."""
        dates = [s for s in spans if s.kind == "date"]
        slots = [(inst, param) for inst in instances for param, i in inst.date_spans.items()
                 if inst.bindings.get(param) == dates[i].value]
        if not slots:
            return []
        desc = {(inst.id, p): self.catalog.type_by_name[{**inst.api.inputs, **inst.api.optional}[p]].description
                for inst, p in slots}
        roles = {(inst.id, p): role_words(p, desc[(inst.id, p)]) for inst, p in slots}
        contexts = [context_words(text, d.start, d.end, left_limit=dates[i - 1].end if i else 0,
                                  right_limit=dates[i + 1].start if i + 1 < len(dates) else None)
                    for i, d in enumerate(dates)]
        claimed = [{k for k, r in roles.items() if r and r & ctx} for ctx in contexts]
        taken: dict[int, set[tuple[int, str]]] = {}
        for inst, p in slots:
            taken.setdefault(inst.date_spans[p], set()).add((inst.id, p))
        ranges = {inst.id: tuple(inst.date_spans[p] for p in inst.date_spans) for inst, _ in slots}
        for inst, p in slots:
            key, i = (inst.id, p), inst.date_spans[p]
            if not claimed[i] or key in claimed[i] or not roles[key]:
                continue
            if len(ranges[inst.id]) > 1 and any(o != inst.id and r == ranges[inst.id] for o, r in ranges.items()):
                continue  # a range another call takes as a whole ("hotels for the same dates")
            own = next((j for j, c in enumerate(claimed) if key in c), None)
            free = next((j for j in range(len(dates)) if not claimed[j] and not taken.get(j)), None)
            j = own if own is not None else free
            taken[i].discard(key)
            if j is None:
                del inst.date_spans[p]
                if p in inst.api.inputs:
                    inst.bindings[p] = None  # asked with get_info
                else:
                    inst.bindings.pop(p, None)
                continue
            inst.date_spans[p] = j
            inst.bindings[p] = dates[j].value
            taken.setdefault(j, set()).add(key)
        notes = []
        for i, keys in sorted(taken.items()):
            distinct = {roles[k] for k in keys}
            if len(keys) > 1 and len(distinct) > 1 and all(distinct):
                names = sorted(f"{next(x.api.label for x in instances if x.id == k[0])}.{k[1]}" for k in keys)
                notes.append(f"the date {dates[i].value} ('{dates[i].text}') is used for {' and '.join(names)}")
        return notes

    @staticmethod
    def _number(words: set[str], desc: str, spans: list[Span], text: str) -> Any:
        for s in spans:
            if s.kind != "number":
                continue
            after = re.findall(r"[a-z]+", text[s.end: s.end + 20].lower())[:1]
            before = re.findall(r"[a-z]+", text[max(0, s.start - 20): s.start].lower())[-1:]
            unit = [w.rstrip("s") for w in after]
            if (unit and unit[0] in {w.rstrip("s") for w in words}) or (before and before[0] in words):
                return s.value
        return None

    def _string(self, t: TypeSpec, param: str, role: tuple[str, ...], anchor: tuple[int, int], text: str,
                spans: list[Span], kinds: tuple[str, ...], floor: float | None = None) -> Any:
        # "About X" topics fill search terms and keywords, not names or places.
        text_words = set(_words(param)) | set(re.findall(r"[a-z]+", t.description.lower()))
        topical = text_words & TOPICAL_WORDS and "name" not in text_words
        cands = self._candidates(spans, kinds, bool(topical))
        if not cands:
            return None
        query = f"{' '.join(_words(param))}: {t.description}"
        sims = self._vec([str(c.value) for c in cands]) @ self._vec([query])[0]
        # The call's role, else a required parameter's own words ("from_currency", "to_currency").
        own = _words(param) if floor is None else []
        prep = next((ROLE_PREPOSITIONS[w] for w in (*role, *own) if w in ROLE_PREPOSITIONS), None)
        words = set(_words(param)) | set(re.findall(r"[a-z]+", t.description.lower()))
        best, best_score = None, -1e9
        for c, sim in zip(cands, sims, strict=True):
            score = float(sim)
            before = re.findall(r"[a-z]+", text[max(0, c.start - 12): c.start].lower())[-1:]
            if prep and before:
                score += 0.5 if before[0] == prep else (-0.5 if before[0] == OPPOSITE[prep] else 0.0)
            if anchor[0] <= c.start < anchor[1]:
                score += 0.25
            else:
                score -= 0.1 * min(3.0, abs(c.start - anchor[0]) / 40)
            if c.kind.startswith("assigned:") and set(c.kind[9:].split()) & words:
                score += 1.0
            if c.kind == "part":
                score -= 0.05
            if t.value == "code" and c.kind == "code":
                score += 0.3
            if len(str(c.value)) <= 2:
                score -= 0.2
            if score > best_score:
                best, best_score = c, score
        floor = self.value_floor if floor is None else floor
        return best.value if best is not None and best_score > floor else None

    def _candidates(self, spans: list[Span], kinds: tuple[str, ...], topical: bool = True) -> list[Span]:
        cands: list[Span] = []
        for s in spans:
            kind = s.kind.split(":")[0]
            if kind not in kinds or (kind == "topic" and not topical):
                continue
            cands.append(s)
            parts = str(s.value).split()
            # "COVID-19 Spain" also offers both sides of the acronym-with-digits token.
            cuts = [i for i, w in enumerate(parts) if re.fullmatch(r"[A-Z]{2,}-\d+", w)]
            if kind == "name" and len(parts) > 1:
                for i in cuts:
                    for sub in (" ".join(parts[:i + 1]), " ".join(parts[i + 1:]), " ".join(parts[:i])):
                        if sub and sub != s.value:
                            start = s.start + str(s.value).find(sub)
                            cands.append(Span(start, start + len(sub), sub, "part", sub))
        return [c for c in cands if not self._names_service(str(c.value))]

    def _names_service(self, value: str, loose: bool = False) -> bool:
        """A span that names an API or its service (``Spotify``, ``Instagram``) is not a value;
        ``loose``: linking words aside ("Posts and Reels")."""
        tokens = [w.lower() for w in value.split() if not (loose and w.lower() in CONNECTORS)]
        words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", value) if not (loose and w.lower() in CONNECTORS)]
        return bool(words) and (all(w in self._service_words for w in words)
                                or all(t in self._service_words for t in tokens))

    @property
    def _service_words(self) -> set[str]:
        if not hasattr(self, "_service_cache"):
            self._service_cache = {w for a in self.apis for w in re.findall(r"[a-z0-9]+", a.label.lower())}
            # Capitalised words of the APIs' own descriptions name services and topics ("COVID-19").
            self._service_cache |= {w.lower() for a in self.apis
                                    for w in re.findall(r"\b[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*", a.description)
                                    if w.lower() not in FUNCTION_WORDS}
            self._service_cache |= {w for a in self.apis for w in _words(a.label)}
        return self._service_cache

    # --- 4. planning ---------------------------------------------------------------------------
    def plan(self, text: str, planner: str = "auto", time_limit: float = 10.0) -> SpecPlan:
        from planner.api.pipeline import plan_request

        start = time.perf_counter()
        instances, _ = self.translate(text)
        catalog, request, names = instance_catalog(self.catalog, instances, text)
        plan, _, _ = plan_request(catalog, request, planner=planner, time_limit=time_limit)  # type: ignore[arg-type]
        called = {names[a] for a in plan.calls()}
        order = canonical_order(instances, called)
        calls = to_calls(order)
        check_calls(calls)
        asks = [catalog.type_by_name[a].description for a in plan.asked()]
        labels = {inst.id: call.label for inst, call in zip(order, calls, strict=True)}
        questions = []
        for asked in plan.asked():
            for inst in order:
                param = next((p for p in inst.api.inputs if asked == f"t{inst.id}_in_{_slug(p)}"), None)
                if param is not None:
                    questions.append(Question(call=labels[inst.id], param=param,
                                              text=catalog.type_by_name[asked].description))
        return SpecPlan(calls=calls, asks=asks, plan=plan, seconds=time.perf_counter() - start,
                        questions=questions, apis={labels[i.id]: i.api.name for i in order},
                        goals=[labels[i.id] for i in order if i.goal], notes=list(self.notes))


def merge_repeated_names(catalog: Catalog) -> Catalog:
    """One API per name that calls use: a source that declares a name twice with different specs
    (kept apart by the importer as ``x`` and ``x_2``) offers one function, which accepts the
    parameters of any of its specs. The richest spec stands for the name; the others' extra
    parameters become its optional ones and their outputs its own (inputs they fed now read the
    kept spec's output of the same path)."""
    groups: dict[str, list[ApiSpec]] = {}
    for api in catalog.apis:
        groups.setdefault(api.label, []).append(api)
    if all(len(g) == 1 for g in groups.values()):
        return catalog
    rename: dict[str, str] = {}
    kept: dict[str, ApiSpec] = {}
    for label, group in groups.items():
        base = max(group, key=lambda a: len(a.inputs) + len(a.optional))  # the first on ties
        outputs, optional = dict(base.outputs), dict(base.optional)
        for other in group:
            if other is base:
                continue
            for path, tname in other.outputs.items():
                if path in outputs:
                    rename[tname] = outputs[path]
                else:
                    outputs[path] = tname
            for param, tname in {**other.inputs, **other.optional}.items():
                if param not in base.inputs and param not in optional:
                    optional[param] = tname
        kept[label] = base.model_copy(update={"outputs": outputs, "optional": optional})
    apis = tuple(api.model_copy(update={"inputs": {p: rename.get(t, t) for p, t in api.inputs.items()},
                                        "optional": {p: rename.get(t, t) for p, t in api.optional.items()}})
                 for api in kept.values())
    return Catalog(name=catalog.name, description=catalog.description, types=catalog.types, apis=apis)


def instance_catalog(base: Catalog, instances: list[Instance], text: str) -> tuple[Catalog, ApiRequest, dict[str, int]]:
    """A catalog with one API per call instance and one type per value: what the planner sees."""
    types: list[TypeSpec] = []
    apis: list[ApiSpec] = []
    values: list[ProvidedValue] = []
    names: dict[str, int] = {}
    goals: list[str] = []
    for inst in instances:
        name = f"c{inst.id}_{inst.api.name}"[:60]
        names[name] = inst.id
        inputs: dict[str, str] = {}
        for param, b in inst.bindings.items():
            if param not in inst.api.inputs and not (isinstance(b, Ref) and not inst.api.inputs):
                continue  # optional values need no planning; a linked id of an all-optional spec does
            if isinstance(b, Ref):
                inputs[_slug(param)] = f"t{b.instance}_out_{_slug(b.path)}"
                continue
            tname = f"t{inst.id}_in_{_slug(param)}"
            desc = base.type_by_name[inst.api.inputs[param]].description or param
            types.append(TypeSpec(name=tname, description=f"{param} for {inst.api.label}: {desc}"))
            inputs[_slug(param)] = tname
            if b is not None:
                values.append(ProvidedValue(type=tname, value=str(b)))
        done = f"t{inst.id}_done"
        outputs = {"_result": done}
        types.append(TypeSpec(name=done, description=f"the result of {inst.api.label}", askable=False))
        apis.append(ApiSpec(name=name, description=inst.api.description, inputs=inputs, outputs=outputs))
        if inst.goal:
            goals.append(done)
    for inst in instances:  # outputs other instances read
        for other in instances:
            for b in other.bindings.values():
                if isinstance(b, Ref) and b.instance == inst.id:
                    tname = f"t{inst.id}_out_{_slug(b.path)}"
                    if all(t.name != tname for t in types):
                        types.append(TypeSpec(name=tname, description=b.path, askable=False))
                        api = next(a for a in apis if names[a.name] == inst.id)
                        apis[apis.index(api)] = api.model_copy(update={"outputs": {**api.outputs, _slug(b.path): tname}})
    catalog = Catalog(name="request", types=tuple(types), apis=tuple(apis))
    return catalog, ApiRequest(text=text, goals=goals, values=values), names


def _slug(s: str) -> str:
    out = "_".join(re.findall(r"[a-z0-9]+", s.lower()))
    return out or "value"


def canonical_order(instances: list[Instance], called: set[int]) -> list[Instance]:
    """The called instances, each after the instances it reads from, goals in order of mention."""
    by_id = {i.id: i for i in instances}
    order: list[Instance] = []

    def visit(inst: Instance) -> None:
        if inst in order or inst.id not in called:
            return
        for b in inst.bindings.values():
            if isinstance(b, Ref):
                visit(by_id[b.instance])
        order.append(inst)

    for inst in instances:
        if inst.goal:
            visit(inst)
    for inst in instances:
        visit(inst)
    return order


def to_calls(order: list[Instance]) -> list[NestfulCall]:
    labels = {inst.id: f"var{i}" for i, inst in enumerate(order, 1)}
    calls = []
    for inst in order:
        args: dict[str, Any] = {}
        for param, b in inst.bindings.items():
            if isinstance(b, Ref):
                if b.instance in labels:
                    args[param] = f"${labels[b.instance]}.{b.path}$"
            elif b is not None:
                args[param] = b
        for param, value in inst.api.defaults.items():
            args.setdefault(param, value)
        calls.append(NestfulCall(name=inst.api.label, arguments=args, label=labels[inst.id]))
    return calls


REF_RE = re.compile(r"^\$(var\d+)(?:\.[^$]*)?\$$")


def check_calls(calls: list[NestfulCall]) -> None:
    """Re-check a call sequence: every reference names an earlier call's label."""
    seen: set[str] = set()
    for call in calls:
        for param, value in call.arguments.items():
            m = REF_RE.match(value) if isinstance(value, str) else None
            if m and m.group(1) not in seen:
                raise ValueError(f"{call.name}.{param} reads {m.group(1)} before it is produced")
        seen.add(call.label)
