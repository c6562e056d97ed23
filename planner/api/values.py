"""Value parsers for request text: dates (to ISO), numbers, quoted strings, codes (tickers, digit-
only codes such as ZIP codes, form numbers), proper-name spans (places, people, products) and
topic phrases ("news about the economy"). Each finds spans; none knows any catalog."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december"]
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)} | {m[:3]: i for i, m in enumerate(MONTH_NAMES, 1)}
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_RE = re.compile(
    rf"\b(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})\b"
    rf"|\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,\s*|\s+)?(?P<y1>\d{{4}})?"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\b(?:,?\s+(?P<y2>\d{{4}}))?",
    re.IGNORECASE,
)
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())} | {"single": 1, "a couple of": 2}
NUMBER_RE = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w-])|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
QUOTED_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<!\w)'([^']{2,})'(?!\w)")
CODE_RE = re.compile(r"(?<![\w-])(?:[A-Z]{2,6}|\d{1,3}-[A-Z]|[A-Z]+-?\d+[A-Z]*|\d{3,10})(?![\w-])")
ASSIGN_RE = re.compile(r"\b((?:[\w']+\s+){0,4}\w+)\s+(?:is|=|:)\s+([\w.@-]*\w)", re.IGNORECASE)
DIGIT_CODE_RE = re.compile(r"(?<![\d.,$-])\d{3,10}(?![\d.,])")
WORD_RE = re.compile(r"[A-Za-z0-9][\w'.&-]*")
# Words that open requests or link clauses; capitalised at a sentence start, they name nothing.
FUNCTION_WORDS = set("""a an the and or but also then please kindly can could would will should i me my we
us our you your it its he she his her they their them this that these those there here what which
who whom whose where when why how is are was were be been do does did find get show give tell list
fetch retrieve search locate obtain compare help let know need want provide display check look
recommend book make plan see bring send pull return returning depart departing leave leaving
arrive arriving additionally finally first next now today tomorrow in on at for from to of by with
about near into after before during within over under up down out all any some each every""".split())
CONNECTORS = {"of", "de", "del", "la", "le", "van", "von", "and", "&"}
TOPIC_TRIGGERS = ("about", "on", "regarding", "for", "by", "related to")
TOPIC_TAIL = r"\s+(?:the\s+)?([A-Za-z0-9][\w' .-]*?)(?=\s+(?:and|in|from|on|for|with|then|to|that|which|who|of)\b|[,.;?!]|$)"


@dataclass(frozen=True)
class Span:
    """A value found in the text, with its character span and kind."""

    start: int
    end: int
    text: str
    kind: str
    value: str | int | float = ""


def _year_near(text: str, pos: int, found: list[tuple[int, int]]) -> int | None:
    if not found:
        return None
    return min(found, key=lambda f: abs(f[0] - pos))[1]


def find_dates(text: str, default_year: int) -> list[Span]:
    """Dates in order of mention, as ISO strings; a date without a year takes the year of the
    nearest date that has one, else ``default_year``."""
    raw: list[tuple[re.Match[str], int | None]] = []
    years: list[tuple[int, int]] = []
    for m in DATE_RE.finditer(text):
        year = m.group("y1") or m.group("y2")
        if m.group("iso"):
            year = m.group("iso")[:4]
        raw.append((m, int(year) if year else None))
        if year:
            years.append((m.start(), int(year)))
    out = []
    for m, year in raw:
        if m.group("iso"):
            out.append(Span(m.start(), m.end(), m.group(0), "date", m.group("iso")))
            continue
        month = MONTHS[(m.group("m1") or m.group("m2")).lower().rstrip(".")]
        day = int(m.group("d1") or m.group("d2"))
        year = year or _year_near(text, m.start(), years) or default_year
        try:
            iso = dt.date(year, month, day).isoformat()
        except ValueError:
            continue
        out.append(Span(m.start(), m.end(), m.group(0), "date", iso))
    return out


def find_numbers(text: str, taken: list[Span]) -> list[Span]:
    out = []
    for m in NUMBER_RE.finditer(text):
        if any(s.start <= m.start() < s.end for s in taken):
            continue
        word = m.group(0).lower()
        value: int | float = NUMBER_WORDS[word] if word in NUMBER_WORDS else (
            float(word) if "." in word else int(word))
        out.append(Span(m.start(), m.end(), m.group(0), "number", value))
    return out


def find_quoted(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), next(g for g in m.groups() if g), "quoted", next(g for g in m.groups() if g))
            for m in QUOTED_RE.finditer(text)]


def find_codes(text: str, taken: list[Span]) -> list[Span]:
    """Upper-case tickers and form numbers (``MSFT``, ``10-K``) and digit-only codes (``02139``)."""
    out = []
    for m in CODE_RE.finditer(text):
        if any(s.start < m.end() and m.start() < s.end for s in taken):
            continue
        out.append(Span(m.start(), m.end(), m.group(0), "code", m.group(0)))
    return out


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in re.finditer(r"[.!?]\s+", text):
        starts.add(m.end())
    return starts


def find_names(text: str, taken: list[Span]) -> list[Span]:
    """Runs of capitalised words (``New York``, ``Bad Bunny``, ``Sony WH-1000XM4``), without the
    request's own function words and month names; ``'s`` is dropped."""
    starts = _sentence_starts(text)
    tokens = [(m.start(), m.end(), m.group(0)) for m in WORD_RE.finditer(text)]
    spans: list[Span] = []
    run: list[tuple[int, int, str]] = []

    def close() -> None:
        while run and run[-1][2].lower() in CONNECTORS:
            run.pop()
        if run:
            s, e = run[0][0], run[-1][1]
            value = text[s:e]
            value = re.sub(r"['’]s$", "", value).rstrip(".'")
            if value:
                spans.append(Span(s, s + len(value), value, "name", value))
        run.clear()

    for i, (s, e, w) in enumerate(tokens):
        bare = re.sub(r"['’]s$", "", w).rstrip(".")
        lower = bare.lower()
        in_taken = any(t.start < e and s < t.end for t in taken)
        capital = bare[:1].isupper() or (bare[:1].isdigit() and bool(run))
        gap = text[run[-1][1]:s] if run else ""
        if run and (gap.strip() not in ("",) or "," in gap):
            close()
        if in_taken or lower in MONTHS:
            close()
            continue
        if capital and not (lower in FUNCTION_WORDS and (s in starts or not run)):
            run.append((s, e, w))
            if w.endswith(("'s", "’s")):
                close()
        elif run and lower in CONNECTORS and i + 1 < len(tokens) and tokens[i + 1][2][:1].isupper():
            run.append((s, e, w))
        else:
            close()
    close()
    return spans


def find_topics(text: str) -> list[Span]:
    """Phrases after "about", "on", "for", "by" up to the next clause word ("news about the economy")."""
    out: list[Span] = []
    matches = [m for trigger in TOPIC_TRIGGERS
               for m in re.finditer(rf"\b{trigger}{TOPIC_TAIL}", text, re.IGNORECASE)]
    for m in sorted(matches, key=lambda m: m.start(1)):
        value = re.sub(r"^the\s+", "", m.group(1).strip(), flags=re.IGNORECASE)
        first = value.split()[0].lower() if value else ""
        if value and first not in FUNCTION_WORDS and len(value.split()) <= 5:
            start = m.end(1) - len(value)
            out.append(Span(start, m.end(1), value, "topic", value))
    # "quotes about love": the inner topic is the topic, not the phrase around it.
    return [t for t in out if not any(o is not t and t.start <= o.start and o.end <= t.end for o in out)]


def find_assignments(text: str) -> list[Span]:
    """Values stated as "<key words> is <value>" ("the ticker id is GOOGL"); ``kind`` carries the key."""
    out = []
    for m in ASSIGN_RE.finditer(text):
        key = " ".join(w for w in m.group(1).lower().split() if w not in FUNCTION_WORDS)
        value = m.group(2)
        if value.islower() and value.endswith(("ing", "ed")):
            continue  # "the accounts she is following": a verb, not a value
        if key and value.lower() not in FUNCTION_WORDS:
            out.append(Span(m.start(2), m.end(2), m.group(2), f"assigned:{key}", m.group(2)))
    return out


def scan(text: str, default_year: int) -> list[Span]:
    """Every value span of the text (dates claim their words first)."""
    dates = find_dates(text, default_year)
    quoted = find_quoted(text)
    codes = find_codes(text, dates + quoted)
    names = find_names(text, dates + quoted)
    numbers = find_numbers(text, dates + codes)
    topics = [t for t in find_topics(text) if not any(d.start < t.end and t.start < d.end for d in dates)]
    return dates + quoted + codes + names + numbers + topics + find_assignments(text)
