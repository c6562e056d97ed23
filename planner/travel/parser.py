"""The built-in translator: a rule-based reader of travel requests (no model needed).

It reads the TravelPlanner phrasing and its natural variations: numbers in words, '$1,700',
'1.7k', 'for two people', 'a party of 5', 'no flights', 'a week-long trip', date ranges such
as 'March 16th to March 18th, 2022', 'the 8th to the 10th of March' or '2022-03-16'.
Cities and states come from the database's background lists; a place it does not know is an
error naming the closest known cities; a required field it cannot find is an error naming it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from planner.travel.database import Background, load_background
from planner.travel.extra import registry
from planner.travel.spec import (
    CUISINES,
    ExtraConstraint,
    LocalConstraints,
    SpecError,
    TripSpec,
    dates_from,
)

NUMBER_WORDS = {
    "zero": 0, "no": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "couple": 2, "pair": 2, "dozen": 12,
}
_NUM = r"(?<![\w-])(-?\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|" \
       r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|a|an|single)(?![\w])"
MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH = r"\b(January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?![a-z])\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
ORIGIN_CUES = ("from", "departing", "depart", "departs", "leaving", "leave", "leaves", "starting", "start",
               "starts", "setting off", "set off", "originating", "beginning", "begin", "taking off", "out of",
               "based in", "live in", "living in")
HOUSE_RULE_PATTERNS = {
    "smoking": r"\bsmok(?:ing|e|er|ers)\b",
    "parties": r"\bpart(?:y|ies)\b(?!\s+of\s)",
    "children under 10": r"\b(?:children|kids|child|toddlers?|infants?|bab(?:y|ies))\b",
    "visitors": r"\b(?:visitors?|guests? over|having guests|host guests)\b",
    "pets": r"\b(?:pets?|pet-friendly|dogs?|cats?)\b",
}
NO_PREFERENCE = re.compile(r"\bno (?:specific |particular |special )?(?:preferences?|requirements?|restrictions?)\b[^.?!]*",
                           re.I)


def to_number(token: str) -> float | None:
    token = token.strip().lower()
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token]
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


@dataclass
class _Mention:
    name: str
    start: int
    end: int


class RuleBasedParser:
    """Text -> TripSpec with regular expressions over the benchmark's vocabulary."""

    name = "parser"

    def __init__(self, background: Background | None = None, default_year: int = 2022) -> None:
        self.bg = background or load_background()
        self.default_year = default_year
        self.cities = set(self.bg.city_state)
        self.states = {s for s in self.bg.states if s and s != "None"}
        names = sorted(self.cities | self.states, key=len, reverse=True)
        self._place_re = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])")

    # ------------------------------------------------------------------ entry point
    def translate(self, text: str) -> TripSpec:
        if not text or not text.strip():
            raise SpecError("empty request: describe a trip (origin, destination, dates, budget)")
        text = " ".join(text.split())
        low = text.lower()
        if not re.search(r"\b(trip|travel|itinerar|journey|visit|vacation|holiday|tour|depart|fly|flight|"
                         r"plan|heading|going|getting away)", low):
            raise SpecError("this does not look like a travel request (no trip, travel or itinerary mentioned)")
        visiting = self._visiting_cities(low)
        explicit_visiting = visiting
        origin, dest = self._places(text, visiting)
        start, end = self._dates(text)
        days = self._days(low)
        if start is not None and end is not None:
            span = (end - start).days + 1
            if span < 1:
                raise SpecError(f"the trip ends ({end}) before it starts ({start})")
            if days is not None and days != span:
                raise SpecError(f"the dates cover {span} days but the request says {days} days")
            days = span
        if days is None:
            raise SpecError("missing field: days (give the trip length or its dates)")
        if start is None:
            raise SpecError("missing field: dates (give the start date, e.g. 'from March 16th, 2022')")
        if visiting is None:
            if dest in self.states and not (dest in self.cities and days <= 3):
                visiting = {3: 1, 5: 2, 7: 3}.get(days, max(1, min(3, (days - 1) // 2)))
            else:
                visiting = 1
        people = self._people(low)
        budget = self._budget(text)
        local = LocalConstraints(
            house_rule=self._house_rule(text), cuisine=self._cuisines(text) or None,
            room_type=self._room_type(low), transportation=self._transport(low),
        )
        extra = []
        for kind in registry.all_types():
            value = kind.parse(text)
            if value is not None:
                extra.append(ExtraConstraint(type=kind.type, value=value))
        cap = next((c.value for c in extra if c.type == "max_cities"), None)
        if cap is not None and explicit_visiting is None and visiting > cap:
            visiting = cap
        try:
            spec = TripSpec(origin=origin, destination=dest, days=days, visiting_city_number=visiting,
                            dates=dates_from(start, days), people=people, budget=budget, local=local, extra=extra)
        except ValueError as exc:
            raise SpecError(_first_error(exc)) from None

        from planner.travel.translate import check_places

        return check_places(spec, self.bg)

    # ------------------------------------------------------------------ places
    def _places(self, text: str, visiting: int | None) -> tuple[str, str]:
        mentions = [_Mention(m.group(1), m.start(1), m.end(1)) for m in self._place_re.finditer(text)]
        origin: str | None = None
        dests: list[str] = []
        for m in mentions:
            before = text[max(0, m.start - 30): m.start].lower()
            words = re.findall(r"[a-z']+", before)[-3:]
            tail = " ".join(words)
            if origin is None and any(re.search(rf"\b{cue}\b", tail) for cue in ORIGIN_CUES) \
                    and not re.search(r"\b(to|towards|in|visit|visiting|into)$", tail.replace("starting in", "")
                                      .replace("beginning in", "").replace("based in", "").replace("live in", "")
                                      .replace("living in", "")):
                origin = m.name
            elif m.name != origin and m.name not in dests:
                dests.append(m.name)
        if origin is None and len(dests) >= 2:
            origin = dests.pop(0)
        unknown = self._unknown_places(text)
        if origin is None:
            if unknown:
                raise self._unknown_error(unknown[0])
            raise SpecError("missing field: origin (say where the trip starts, e.g. 'from Ithaca')")
        if not dests:
            if unknown:
                raise self._unknown_error(unknown[0])
            raise SpecError("missing field: destination (say where to go, e.g. 'to Rockford' or '2 cities in Texas')")
        dest = dests[0]
        if (visiting or 1) > 1 or re.search(r"cities\s+(?:in|across|of|around|throughout)\s+$",
                                            text[: text.find(dest)].lower()[-40:]):
            states = [d for d in dests if d in self.states]
            if states:
                dest = states[0]
        return origin, dest

    def _unknown_places(self, text: str) -> list[str]:
        out = []
        for m in re.finditer(r"\b(?:from|to|in|towards|visiting|visit|explore|exploring|across|departing)\s+"
                             r"((?:[A-Z][\w.'\-]*)(?:\s+(?:[A-Z][\w.'\-]*|of|de|la))*)", text):
            phrase = m.group(1).strip(" .,'")
            first = phrase.split()[0].rstrip(".,")
            if first.lower() in MONTHS or first in ("The", "I", "We", "My", "Our", "A"):
                continue
            if any(phrase.startswith(n) for n in self.cities | self.states):
                continue
            out.append(phrase)
        return out

    def _unknown_error(self, phrase: str) -> SpecError:
        close = difflib.get_close_matches(phrase, sorted(self.cities), n=3, cutoff=0.5)
        hint = f"; closest known cities: {', '.join(close)}" if close else ""
        return SpecError(f"unknown city {phrase!r}: not in the database{hint}")

    # ------------------------------------------------------------------ numbers
    def _visiting_cities(self, low: str) -> int | None:
        m = re.search(_NUM + r"\s+(?:different |distinct |separate |unique |other |more |major )?(?:cities|city)\b", low)
        if m:
            n = to_number(m.group(1))
            if n is not None:
                if n < 1:
                    raise SpecError(f"visiting_city_number must be at least 1 (got {int(n)})")
                return int(n)
        return None

    def _days(self, low: str) -> int | None:
        m = re.search(_NUM + r"[\s-]*days?\b", low)
        if m:
            n = to_number(m.group(1))
            if n is not None:
                if n < 1:
                    raise SpecError(f"days must be at least 1 (got {int(n)})")
                if n > 30:  # checked here: building the dates of a huge span would overflow
                    raise SpecError(f"days must be at most 30 (got {int(n)})")
                return int(n)
        m = re.search(r"\b(?:a|one|two|three)?[\s-]*weeks?[\s-]*long\b|\b(a|one|two|three)[\s-]+weeks?\b|\bweek-long\b", low)
        if m:
            word = (m.group(1) or "one") if m.lastindex else "one"
            return 7 * int(to_number(word) or 1)
        return None

    def _people(self, low: str) -> int:
        patterns = [
            r"\b(?:group|party|family|team) of " + _NUM + r"\b",
            _NUM + r"\s+(?:people|persons|person|travell?ers|individuals|adults|guests|friends|of us)\b",
            r"\bfor " + _NUM + r"\b(?![\s-]*(?:days?|nights?|cities|city|weeks?|-day|%|dollars|usd))",
        ]
        for pat in patterns:
            for m in re.finditer(pat, low):
                n = to_number(m.group(1))
                if n is None:
                    continue
                if n < 1:
                    raise SpecError(f"people must be at least 1 (got {int(n)})")
                if n == 1 and m.group(1) in ("a", "an"):
                    continue
                return int(n)
        if re.search(r"\b(a pair|a couple|the two of us|my (?:wife|husband|partner|friend) and i|two of us)\b", low):
            return 2
        return 1

    def _budget(self, text: str) -> int:
        amount = r"(-\s*)?\$?\s*(-\s*)?(\d[\d,]*(?:\.\d+)?)\s*(k|K|thousand|grand)?"
        candidates = []
        for m in re.finditer(r"(?:budget|spend|spending|afford)[^$\d.!?\-]{0,40}" + amount, text, re.I):
            candidates.append(m)
        if not candidates:
            candidates = list(re.finditer(r"(-\s*)?\$\s*(-\s*)?(\d[\d,]*(?:\.\d+)?)\s*(k|K|thousand|grand)?", text))
        if not candidates:
            candidates = list(re.finditer(r"(-\s*)?()(\d[\d,]*(?:\.\d+)?)\s*(k|K|thousand|grand)?\s*(?:dollars|usd)\b",
                                          text, re.I))
        if not candidates:
            raise SpecError("missing field: budget (e.g. 'with a budget of $1,700')")
        m = candidates[0]
        value = float(m.group(3).replace(",", ""))
        if m.group(4):
            value *= 1000
        if value == float("inf"):
            raise SpecError(f"budget is too large to use (a {len(m.group(3))}-digit number)")
        if m.group(1) or m.group(2) or re.search(r"negative\s+\$?\s*" + re.escape(m.group(3)), text, re.I):
            raise SpecError(f"budget must be positive (got -{m.group(3)})")
        if value <= 0:
            raise SpecError(f"budget must be positive (got {m.group(3)})")
        return int(round(value))

    # ------------------------------------------------------------------ dates
    def _dates(self, text: str) -> tuple[dt.date | None, dt.date | None]:
        iso = re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
        if iso:
            ds = [self._make_date(int(y), int(mo), int(d)) for y, mo, d in iso]
            return ds[0], (ds[1] if len(ds) > 1 else None)
        year_m = re.search(r"\b(19\d{2}|20\d{2})\b", text)
        year = int(year_m.group(1)) if year_m else self.default_year
        # tokens: (position, month or None, day)
        tokens: list[tuple[int, int | None, int]] = []
        taken: list[tuple[int, int]] = []
        for m in re.finditer(_MONTH + r"\s+" + _DAY + r"\s*(?:-|–|to|through|until)\s*" + _DAY + r"\b", text, re.I):
            month = MONTHS[m.group(1).lower()]
            tokens += [(m.start(), month, int(m.group(2))), (m.start() + 1, month, int(m.group(3)))]
            taken.append(m.span())
        for m in re.finditer(_MONTH + r"\s+" + _DAY + r"\b", text, re.I):
            if any(a <= m.start() < b for a, b in taken):
                continue
            tokens.append((m.start(), MONTHS[m.group(1).lower()], int(m.group(2))))
            taken.append(m.span())
        for m in re.finditer(r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH, text, re.I):
            if any(a <= m.start() < b for a, b in taken):
                continue
            tokens.append((m.start(), MONTHS[m.group(2).lower()], int(m.group(1))))
            taken.append(m.span())
        for m in re.finditer(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            tokens.append((m.start(), None, int(m.group(1))))
        for m in re.finditer(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text):
            tokens.append((m.start(), int(m.group(1)), int(m.group(2))))
            year = int(m.group(3))
        tokens.sort()
        if not tokens:
            return None, None
        # a bare day takes the month of its neighbour ('the 8th to the 10th of March', 'March 9th and 13th')
        filled = []
        for i, (_pos, month, day) in enumerate(tokens):
            if month is None:
                near = [t for t in tokens[i + 1:] + tokens[:i][::-1] if t[1] is not None]
                month = near[0][1] if near else None
            if month is not None:
                filled.append((month, day))
        if not filled:
            return None, None
        start = self._make_date(year, *filled[0])
        end = self._make_date(year, *filled[1]) if len(filled) > 1 else None
        if end is not None and end < start and filled[1][0] < filled[0][0]:
            end = self._make_date(year + 1, *filled[1])
        return start, end

    @staticmethod
    def _make_date(year: int, month: int, day: int) -> dt.date:
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise SpecError(f"impossible date: {year}-{month:02d}-{day:02d} does not exist") from None

    # ------------------------------------------------------------------ local constraints
    def _strip_no_preference(self, text: str) -> str:
        return NO_PREFERENCE.sub(" ", text)

    def _house_rule(self, text: str) -> str | None:
        t = self._strip_no_preference(text)
        low = t.lower()
        hits = []
        for rule, pat in HOUSE_RULE_PATTERNS.items():
            m = re.search(pat, low)
            if m:
                hits.append((m.start(), rule))
        if not hits:
            return None
        return sorted(hits)[0][1]

    def _cuisines(self, text: str) -> list[str]:
        t = self._strip_no_preference(text)
        found = []
        for c in CUISINES:
            m = re.search(rf"\b{c}\b", t, re.I)
            if m:
                found.append((m.start(), c))
        return [c for _, c in sorted(found)]

    def _room_type(self, low: str) -> str | None:
        low = self._strip_no_preference(low)
        if re.search(r"(?:\bnot\b|\bno\b|\bnon\b|\bavoid\b|\bwithout\b|n't)[^.?!]{0,20}?\bshared[\s-]+rooms?\b"
                     r"|\bnot[\s-]+shared\b", low):
            return "not shared room"
        if re.search(r"\bshared[\s-]+rooms?\b", low):
            return "shared room"
        if re.search(r"\bprivate[\s-]+rooms?\b", low):
            return "private room"
        if re.search(r"\bentire[\s-]+(?:rooms?|homes?|apartments?|apt|places?|house)\b|\bwhole[\s-]+(?:place|home|apartment|house)\b"
                     r"|\b(?:rooms?|places?|home) to ourselves\b", low):
            return "entire room"
        return None

    def _transport(self, low: str) -> str | None:
        low = self._strip_no_preference(low)
        flight = re.search(
            r"\bno[\s-]+(?:flights?|flying|planes?|air travel)\b|\bwithout (?:flying|flights?|a flight)\b"
            r"|(?:\bnot\b|n't\b|\bnever\b|\bavoid(?:ing)?\b|\bexclud(?:e|ing)\b)[^.?!]{0,40}?\b(?:flights?|fly|flying|planes?|air travel)\b"
            r"|\bnon[\s-]?flight\b|\bby (?:land|car|road) only\b|\bhate flying\b|\bafraid of flying\b", low)
        drive = re.search(
            r"\bno[\s-]+(?:self[\s-]?driving|driving|self[\s-]?drive)\b|\bnon[\s-]?self[\s-]?driving\b"
            r"|\bwithout (?:driving|self[\s-]?driving|a car)\b"
            r"|(?:\bnot\b|n't\b|\bnever\b|\bavoid(?:ing)?\b|\bexclud(?:e|ing)\b)[^.?!]{0,40}?\b(?:self[\s-]?driv(?:e|ing)|driv(?:e|ing) ourselves|"
            r"drive ourselves|driving ourselves|drive myself|driving myself|to drive|self-drive|drive)\b", low)
        if flight:
            return "no flight"
        if drive:
            return "no self-driving"
        return None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        errs = errors()
        if errs:
            e = errs[0]
            loc = ".".join(str(x) for x in e.get("loc", ()))
            msg = str(e.get("msg", "")).removeprefix("Value error, ")
            return f"{loc}: {msg}" if loc else msg
    return str(exc).splitlines()[0]
