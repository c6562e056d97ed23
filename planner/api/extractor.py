"""Built-in request translator: reads goals and typed values out of request text using only the
catalog's vocabulary (goal phrases, value classes, cue phrases, example values).

Goals are the types whose goal phrases occur (longest match wins). Values are found by value
class (dates, times, e-mails, money, codes, known cities/names/options, quoted text, numbers) and
typed by the cue phrase right before (or after) them, among the types the goals can use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from planner.api.catalog import Catalog, TypeSpec
from planner.api.request import ApiRequest, ProvidedValue

MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"], 1)}
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}

PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "date": re.compile(
        rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
        rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_RE})\b(?:,?\s+\d{{4}})?",
        re.IGNORECASE,
    ),
    "time": re.compile(r"\b\d{1,2}:\d{2}\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b", re.IGNORECASE),
    "money": re.compile(r"[$€£]\s?\d+(?:,\d{3})*(?:\.\d{1,2})?|\b\d+(?:\.\d{1,2})?\s?(?:dollars|usd|eur|euros|gbp|pounds)\b", re.IGNORECASE),
    "code": re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b|\b[A-Z]{1,8}-?\d{2,9}\b"),
    # Digit-only codes (ZIP codes, PINs): read only when the catalog has a code type to fill.
    "digits": re.compile(r"(?<![\d.,$€£-])\b\d{3,10}\b(?![.,]\d)"),
    "address": re.compile(r"\b\d{1,5}\s+[A-Z][a-z]+\s+(?:Street|Avenue|Road|Lane|Boulevard|Drive|Way|St|Ave|Rd)\b"),
    "text": re.compile(r"\"([^\"]+)\"|“([^”]+)”"),
    "integer": re.compile(rf"\b\d+\b|\b(?:{'|'.join(NUMBER_WORDS)})\b", re.IGNORECASE),
    "name": re.compile(r"\b[A-Z][a-z]+(?:\s+(?:O')?[A-Z][a-z]+)+\b"),
}
# Classes matched first claim their span; later classes cannot overlap it.
CLASS_ORDER = ["pattern", "text", "email", "date", "time", "money", "address", "code", "digits", "city", "enum",
               "name", "integer"]
GAZETTEER_CLASSES = {"city", "enum", "name", "address"}
FILLERS = {"the", "my", "our", "a", "an", "me", "us", "of", "is", "be", "it"}


@dataclass
class Mention:
    cls: str
    start: int
    end: int
    value: str
    gazetteer_of: frozenset[str] = frozenset()


STOPWORDS = {"a", "an", "the", "my", "me", "i", "it", "to", "for", "of", "on", "in", "is", "do", "some",
             "what's", "us", "our", "up", "out", "when", "how", "if", "need", "like", "have", "much"}
CLAUSE_RE = re.compile(r"[^.;!?]+")
WORD_RE = re.compile(r"[\w'-]+")
LOOSE_WINDOW = 6


def _stem(word: str) -> str:
    w = word.lower().replace("ise", "ize") if word.lower().endswith(("ise", "ising", "ised")) else word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _match_back(before: list[str], cue: list[str], max_skips: int = 2) -> int | None:
    """Match ``cue`` against the words right before a value, walking backwards; up to
    ``max_skips`` filler words may sit inside or after the cue ("pick it up on")."""
    i, skips = len(before) - 1, 0
    for word in reversed(cue):
        while i >= 0 and before[i] != word and before[i] in FILLERS and skips < max_skips:
            i, skips = i - 1, skips + 1
        if i < 0 or before[i] != word:
            return None
        i -= 1
    return skips


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'@+-]+", text.lower())


@lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![\w-])", re.IGNORECASE)


class Extractor:
    """Translate request text into an :class:`ApiRequest` with one catalog's vocabulary."""

    def __init__(self, catalog: Catalog, default_year: int = 2025) -> None:
        self.catalog = catalog
        self.default_year = default_year
        self.goal_phrases = sorted(
            ((p, t.name) for t in catalog.types for p in t.goal_phrases), key=lambda x: -len(x[0])
        )
        self._goal_res = [(_phrase_re(p), t) for p, t in self.goal_phrases]

    # --- vocabulary helpers -------------------------------------------------------------
    def value_class(self, t: TypeSpec) -> str:
        if self.pattern_of(t) is not None:
            return f"pattern:{t.name}"
        for name in self.catalog.ancestors(t.name):
            spec = self.catalog.type_by_name[name]
            if spec.value != "none":
                return spec.value
        return "none"

    def pattern_of(self, t: TypeSpec) -> str | None:
        """The type's own ``pattern:`` (or its nearest supertype's), if any."""
        return next((self.catalog.type_by_name[n].pattern for n in self.catalog.ancestors(t.name)
                     if self.catalog.type_by_name[n].pattern), None)

    def known_values(self, t: TypeSpec) -> list[str]:
        out: list[str] = []
        for name in self.catalog.ancestors(t.name):
            out += self.catalog.type_by_name[name].values
        return out

    def relevant_types(self, goals: list[str]) -> list[TypeSpec]:
        """Types that some API on a path to a goal takes as input (or the goals themselves)."""
        needed, frontier = set(goals), list(goals)
        while frontier:
            t = frontier.pop()
            for api in self.catalog.producers(t):
                for req in (self.catalog.api_by_name[r] for r in api.requires):
                    for x in req.inputs.values():
                        if x not in needed:
                            needed.add(x)
                            frontier.append(x)
                for x in api.inputs.values():
                    if x not in needed:
                        needed.add(x)
                        frontier.append(x)
        # A subtype of an input's type is read too ("born on ..." is a birth_date for a date
        # input); which input it fills is decided by role when the plan is bound.
        needed |= {t.name for t in self.catalog.types if t.is_a and set(self.catalog.ancestors(t.name)[1:]) & needed}
        return [t for t in self.catalog.types if t.name in needed and self.value_class(t) != "none"]

    # --- extraction ---------------------------------------------------------------------
    def find_goals(self, text: str) -> tuple[list[str], list[tuple[int, int]]]:
        taken: list[tuple[int, int]] = []
        first: dict[str, int] = {}
        for pattern, type_name in self._goal_res:
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append(m.span())
                first[type_name] = min(first.get(type_name, m.start()), m.start())
        for type_name, start in self._loose_goals(text, taken):
            first.setdefault(type_name, start)
        return sorted(first, key=first.__getitem__), taken

    def _loose_goals(self, text: str, taken: list[tuple[int, int]]) -> list[tuple[str, int]]:
        """Goal phrases whose content words all occur, in any order and inflection, close
        together in one clause ("book that flight" for "book a flight")."""
        found: list[tuple[str, int]] = []
        used: list[tuple[int, int]] = list(taken)
        for clause in CLAUSE_RE.finditer(text):
            tokens = [(m.start() + clause.start(), _stem(m.group(0))) for m in WORD_RE.finditer(clause.group(0))]
            for phrase, type_name in self.goal_phrases:
                content = [_stem(w) for w in _words(phrase) if w not in STOPWORDS]
                if len(content) < 2:
                    continue
                positions = []
                for word in content:
                    hits = [i for i, (_, stem) in enumerate(tokens) if stem == word]
                    if not hits:
                        break
                    positions.append(hits)
                else:
                    best = min((abs(a - b), a, b) for a in positions[0] for b in positions[-1])
                    idx = sorted({best[1], best[2]} | {min(p, key=lambda i: abs(i - best[1])) for p in positions})
                    if idx[-1] - idx[0] > LOOSE_WINDOW:
                        continue
                    span = (tokens[idx[0]][0], tokens[idx[-1]][0] + 1)
                    if any(span[0] < e and s < span[1] for s, e in used):
                        continue
                    used.append(span)
                    found.append((type_name, span[0]))
        return found

    def find_mentions(self, text: str, types: list[TypeSpec], blocked: list[tuple[int, int]]) -> list[Mention]:
        taken = list(blocked)
        mentions: list[Mention] = []
        classes = {self.value_class(t) for t in types}

        def free(s: int, e: int) -> bool:
            return not any(s < te and ts < e for ts, te in taken)

        for cls in CLASS_ORDER:
            if cls == "pattern":  # a type's own pattern claims its matches before any class
                for t in types:
                    if (pattern := self.pattern_of(t)) is not None:
                        for m in re.finditer(pattern, text):
                            if m.group(0) and free(*m.span()):
                                mentions.append(Mention(f"pattern:{t.name}", m.start(), m.end(), m.group(0)))
                                taken.append(m.span())
                continue
            if cls == "digits" and "code" not in classes:
                continue
            if cls not in classes and cls not in ("date", "time", "money", "email", "code", "text", "digits"):
                continue  # unrelated classes still claim their spans so numbers inside dates etc. are not read
            found: list[Mention] = []
            if cls in GAZETTEER_CLASSES:
                gaz: dict[str, set[str]] = {}
                for t in types:
                    if self.value_class(t) == cls:
                        for v in self.known_values(t):
                            gaz.setdefault(v, set()).add(t.name)
                for v in sorted(gaz, key=len, reverse=True):
                    for m in _phrase_re(v).finditer(text):
                        if free(*m.span()):
                            found.append(Mention(cls, m.start(), m.end(), v, frozenset(gaz[v])))
                            taken.append(m.span())
            if cls in PATTERNS:
                for m in PATTERNS[cls].finditer(text):
                    if not free(*m.span()):
                        continue
                    raw = next((g for g in m.groups() if g), m.group(0)) if m.groups() else m.group(0)
                    found.append(Mention("code" if cls == "digits" else cls, m.start(), m.end(), raw))
                    taken.append(m.span())
            mentions += found
        return sorted(mentions, key=lambda m: m.start)

    def _cue_score(self, text: str, mention: Mention, t: TypeSpec) -> int:
        before = _words(text[max(0, mention.start - 60): mention.start])
        after = _words(text[mention.end: mention.end + 40])
        best = 0
        for cue in t.cues:
            skips = _match_back(before, _words(cue))
            if skips is not None:
                best = max(best, 10 + len(cue) - skips)
        for cue in t.cues_after:
            words = _words(cue)
            if after[: len(words)] == words:
                best += 10 + len(cue)
                break
        return best

    def normalise(self, cls: str, raw: str) -> str:
        if cls == "date":
            return self._date(raw)
        if cls == "time":
            return self._time(raw)
        if cls == "integer":
            return str(NUMBER_WORDS.get(raw.lower(), raw))
        return raw.strip()

    def _date(self, raw: str) -> str:
        s = raw.lower().replace(",", " ")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.strip()):
            return s.strip()
        day = int(re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?!\d)", s).group(1))
        year_m = re.search(r"\b(\d{4})\b", s)
        month = next(v for k, v in sorted(MONTHS.items(), key=lambda kv: -len(kv[0])) if re.search(rf"\b{k}\b", s))
        year = int(year_m.group(1)) if year_m else self.default_year
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return raw

    @staticmethod
    def _time(raw: str) -> str:
        s = raw.lower().strip()
        if s == "noon":
            return "12:00"
        m = re.match(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", s)
        hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
        if half == "pm" and hour < 12:
            hour += 12
        if half == "am" and hour == 12:
            hour = 0
        return f"{hour:02d}:{minute:02d}"

    def extract(self, text: str) -> ApiRequest:
        goals, goal_spans = self.find_goals(text)
        types = self.relevant_types(goals)
        mentions = self.find_mentions(text, types, goal_spans)
        scored: list[tuple[int, int, Mention, TypeSpec]] = []
        for i, m in enumerate(mentions):
            for t in types:
                if self.value_class(t) != m.cls:
                    continue
                if m.gazetteer_of and m.cls != "city" and t.name not in m.gazetteer_of:
                    continue
                scored.append((self._cue_score(text, m, t), i, m, t))
        used_mentions: set[int] = set()
        filled: dict[str, ProvidedValue] = {}
        for score, i, m, t in sorted(scored, key=lambda x: (-x[0], x[1])):
            if score == 0 or i in used_mentions or t.name in filled:
                continue
            used_mentions.add(i)
            filled[t.name] = ProvidedValue(type=t.name, value=self.normalise(m.cls, m.value))
        # A mention without any cue fills a type only when it is the one open type of its class.
        for i, m in enumerate(mentions):
            if i in used_mentions:
                continue
            open_types = [
                t for t in types
                if self.value_class(t) == m.cls and t.name not in filled
                and (not m.gazetteer_of or m.cls == "city" or t.name in m.gazetteer_of)
                and not any(self.catalog.satisfies(f, t.name) for f in filled)
            ]
            if len(open_types) == 1 and m.cls not in ("integer", "name"):
                filled[open_types[0].name] = ProvidedValue(type=open_types[0].name, value=self.normalise(m.cls, m.value))
                used_mentions.add(i)
        values = sorted(filled.values(), key=lambda v: [t.name for t in types].index(v.type))
        return ApiRequest(text=text, goals=goals, values=values)


def extract(catalog: Catalog, text: str) -> ApiRequest:
    """Translate ``text`` with the built-in extractor for ``catalog``."""
    return Extractor(catalog).extract(text)
