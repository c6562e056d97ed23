"""The built-in translator: a rule-based reader of travel requests (no model needed).

It reads requests as people write them, with or without trip words: terse lists ('Kansas City ->
Pensacola, 3/27/2022-3/29/2022, just me, $900'), chatty or formal prose, destination first
('Pensacola, from Kansas City'), 'City, State' origins ('departing from Charlotte in North
Carolina, visiting 3 cities in Pennsylvania' goes to Pennsylvania). Numbers, money, dates, people
and local constraints have their own readers (request_numbers, request_dates, request_people,
request_constraints). Cities and states come from the database's background lists; a place it
does not know is an error naming the closest known cities; the required fields it cannot find are
named in one line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from planner.travel.database import Background, load_background
from planner.travel.extra import registry
from planner.travel.request_constraints import read_local
from planner.travel.request_dates import find_dates, find_days
from planner.travel.request_doubts import find_doubts
from planner.travel.request_numbers import find_budget, spell_out_numbers
from planner.travel.request_people import find_people
from planner.travel.request_typos import correct_typos
from planner.travel.spec import ExtraConstraint, LocalConstraints, SpecError, TripSpec, dates_from

# Other names people use for database cities; the case-sensitive ones are short abbreviations.
ALIASES = {"Vegas": "Las Vegas", "nyc": "New York", "Philly": "Philadelphia", "NOLA": "New Orleans", "Frisco": "San Francisco",
           "San Fran": "San Francisco", "New York City": "New York", "Big Apple": "New York",
           "Windy City": "Chicago", "Motor City": "Detroit", "Twin Cities": "Minneapolis",
           "Sault Ste Marie": "Sault Ste. Marie", "Saint Louis": "St. Louis", "Saint Cloud": "St. Cloud",
           "Saint Petersburg": "St. Petersburg", "St Louis": "St. Louis", "St Petersburg": "St. Petersburg",
           "St Cloud": "St. Cloud", "Washington DC": "Washington", "Washington D.C.": "Washington",
           "Washington, DC": "Washington", "Washington, D.C.": "Washington", "Salt Lake": "Salt Lake City",
           "Marthas Vineyard": "Martha's Vineyard",
           # state adjectives ('two Texan cities')
           "Texan": "Texas", "Californian": "California", "Floridian": "Florida", "Coloradan": "Colorado",
           "Ohioan": "Ohio", "Oregonian": "Oregon", "Georgian": "Georgia", "Virginian": "Virginia",
           "Tennessean": "Tennessee", "Arizonan": "Arizona", "Nevadan": "Nevada", "Utahn": "Utah",
           "Louisianan": "Louisiana", "Minnesotan": "Minnesota", "Michigan's": "Michigan",
           "Pennsylvanian": "Pennsylvania", "Wisconsinite": "Wisconsin", "Idahoan": "Idaho",
           "Montanan": "Montana", "New Mexican": "New Mexico", }
CASED_ALIASES = {"LA": "Los Angeles", "L.A.": "Los Angeles", "NYC": "New York", "SF": "San Francisco",
                 "DC": "Washington", "D.C.": "Washington", "SLC": "Salt Lake City", "OKC": "Oklahoma City",
                 "KC": "Kansas City", "ATL": "Atlanta", "PHX": "Phoenix",
                 # postal codes of states (not those that are also everyday words: IN, OR, ME, OK, HI, ID, ...)
                 "AK": "Alaska", "AL": "Alabama", "AR": "Arkansas", "AZ": "Arizona", "CA": "California",
                 "CO": "Colorado", "CT": "Connecticut", "FL": "Florida", "GA": "Georgia", "IA": "Iowa",
                 "IL": "Illinois", "KS": "Kansas", "KY": "Kentucky", "MA": "Massachusetts", "MD": "Maryland",
                 "MI": "Michigan", "MN": "Minnesota", "MO": "Missouri", "MT": "Montana", "NC": "North Carolina",
                 "ND": "North Dakota", "NE": "Nebraska", "NH": "New Hampshire", "NJ": "New Jersey",
                 "NM": "New Mexico", "NV": "Nevada", "NY": "New York", "OH": "Ohio", "PA": "Pennsylvania",
                 "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
                 "TX": "Texas", "UT": "Utah", "VA": "Virginia", "WA": "Washington", "WI": "Wisconsin",
                 "WV": "West Virginia", "WY": "Wyoming"}
# database city names that are also everyday words: matched only when capitalised
COMMON_WORDS = {"mission", "bend", "concord", "butte", "mobile"}
ORIGIN_BEFORE = re.compile(
    r"(?:\bfrom|\bdepart(?:ing|s|ure)?(?:\s+from)?|\bleav(?:e|es|ing)(?:\s+from)?|\bstart(?:s|ing)?\s+(?:in|from|at|out of)"
    r"|\bstart(?:s|ing)?\s+out\s+(?:of|from)|\bset(?:ting)?\s+off\s+from|\bset(?:ting)?\s+out\s+from|\boriginating\s+(?:in|from)"
    r"|\bbegin(?:ning|s)?\s+in|\btaking\s+off\s+from|\bout\s+of|\bbased\s+(?:in|out\s+of)|\blive\s+in|\bliving\s+in"
    r"|\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:currently\s+|now\s+|located\s+|staying\s+|living\s+)?in"
    r"|\breside\s+in|\bhome\s*(?:base|town)?\s+is|\bcoming\s+from|\bcome\s+from|\bfly(?:ing)?\s+out\s+of"
    r"|\breturn(?:ing)?\s+(?:home\s+)?to|\bback\s+(?:home\s+)?to|\bhome\s+to"
    r"|\borigin(?:ating)?\s*:?|\bstarting\s+point\s*:?|\bflying\s+out\s+of|\bdeparture\s*(?:city|point|from)?\s*:?"
    r"|\bcommenc(?:e|es|ing)\s+(?:in|from|at)|\bkick(?:s|ing)?\s+off\s+(?:in|from|at)|\bembark(?:s|ing)?\s+(?:in|from|at)"
    r"|\blaunch(?:es|ing)?\s+from|\bhead(?:s|ing)?\s+out\s+(?:of|from)|\bjourney(?:s|ing)?\s+from"
    r"|\bset(?:ting)?\s+forth\s+from|\bstart(?:ing)?\s*(?:city|point|location)?\s*[:=]|\bleaving\s*:)"
    r"\s*[:=\-\u2013\u2014]?\s*(?:the\s+city\s+of\s+)?$", re.I)
ORIGIN_AFTER = re.compile(r"^\s*,?\s*(?:(?:is\s+|as\s+|will\s+be\s+)?(?:our|my|the)\s+(?:starting\s+point|home\b|"
                          r"origin|departure|start)|is\s+home\b|start\b|departure\b|origin\b|based\b)", re.I)
DEST_AFTER = re.compile(r"^\s*,?\s*(?:(?:is\s+|as\s+|will\s+be\s+)?(?:our|my|the)\s+(?:destination|goal|end\s+point)"
                        r"|destination\b)", re.I)
DEST_BEFORE = re.compile(
    r"(?:\bto|\btowards|\binto|\bvisit(?:ing|s)?|\bsee(?:ing)?|\bexplor(?:e|ing)|\btour(?:ing)?|\bdestination\s*:?"
    r"|\bcities\s+(?:in|of|across|around|throughout|within)|\bheading(?:\s+to)?|\bin|\bdest|\bend\s*:|\bgoing\s*:)"
    r"\s*[:=\-\u2013\u2014]?\s*(?:the\s+state\s+of\s+)?$",
    re.I)

ARROWS = re.compile(r"\s*(?:->|-->|=>|\u2192|\u279d|\u27f6|\u21d2)\s*")


@dataclass
class Mention:
    name: str
    start: int
    end: int
    is_city: bool
    is_state: bool
    role: str | None = None  # "origin", "dest" or None


@dataclass
class RequestReading:
    """What the parser read from a request; None where it found nothing."""

    origin: str | None = None
    destination: str | None = None
    days: int | None = None
    visiting_city_number: int | None = None
    start: dt.date | None = None
    people: int = 1
    budget: int | None = None
    local: LocalConstraints = field(default_factory=LocalConstraints)
    extra: list[ExtraConstraint] = field(default_factory=list)
    unknown_place: str | None = None
    places_seen: int = 0
    doubts: list = field(default_factory=list)  # request_doubts.Doubt: what no field accounted for
    corrections: list = field(default_factory=list)  # request_typos.Correction: misspelt words read as meant

    def missing(self) -> list[str]:
        names = [("origin", self.origin), ("destination", self.destination), ("days", self.days),
                 ("dates", self.start), ("budget", self.budget)]
        return [n for n, v in names if v is None]


MISSING_HINTS = {
    "origin": "say where the trip starts, e.g. 'from Ithaca'",
    "destination": "say where to go, e.g. 'to Rockford' or '2 cities in Texas'",
    "days": "give the trip length or its dates",
    "dates": "give the start date, e.g. 'from March 16th, 2022'",
    "budget": "e.g. 'with a budget of $1,700'",
}


class RuleBasedParser:
    """Text -> TripSpec with regular expressions over an everyday vocabulary."""

    name = "parser"

    def __init__(self, background: Background | None = None, default_year: int = 2022) -> None:
        self.bg = background or load_background()
        self.default_year = default_year
        self.cities = set(self.bg.city_state)
        aliased = {a.lower() for a in ALIASES}
        self.states = {s for s in self.bg.states if s and s != "None" and s.lower() not in aliased}
        names = sorted(self.cities | self.states | set(ALIASES), key=len, reverse=True)
        self._place_re = re.compile(r"(?<![\w.'])(" + "|".join(_name_pattern(n) for n in names) + r")(?=(?:'s\b)|(?![\w']))", re.I)
        self._cased_re = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(CASED_ALIASES, key=len,
                                                                                          reverse=True))
                                    + r")(?![\w])")
        self._protected = {w.lower() for n in names for w in re.findall(r"[A-Za-z]+", n)}
        self.last_corrections: list = []
        self._canonical = {n.lower(): n for n in self.cities | self.states}
        self._canonical.update({a.lower(): c for a, c in ALIASES.items()})

    # ------------------------------------------------------------------ entry points
    def translate(self, text: str) -> TripSpec:
        return self.to_spec(self.read(text))

    def translate_checked(self, text: str) -> tuple[TripSpec, list]:
        """The spec and its doubts: clauses no field consumed, readings in conflict."""
        r = self.read(text)
        return self.to_spec(r), r.doubts

    def read(self, text: str) -> RequestReading:
        """Every field the text states; bad values (impossible dates, negative budgets) raise SpecError."""
        if not text or not text.strip():
            raise SpecError("empty request: describe a trip (origin, destination, dates, budget)")
        text, self.last_corrections = correct_typos(_layout(text), self._protected)
        text = " ".join(text.split())
        norm = spell_out_numbers(ARROWS.sub(" to ", text))
        norm = re.sub(r"\bFt\.?\s+(?=[A-Za-z])", "Fort ", norm)
        norm = re.sub(r"\bSt\s+(?=[A-Z])", "St. ", norm)
        low = norm.lower()
        r = RequestReading()
        r.visiting_city_number = self._visiting_cities(low)
        mentions = self._mentions(norm)
        r.places_seen = len(mentions)
        r.origin, r.destination = self._roles(mentions, r.visiting_city_number, low)
        if r.origin is None or r.destination is None:
            r.unknown_place = self._unknown_place(norm, mentions)
        start, end = find_dates(norm, self.default_year)
        days = find_days(low)
        if start is not None and end is not None:
            span = (end - start).days + 1
            if span < 1:
                raise SpecError(f"the trip ends ({end}) before it starts ({start})")
            if days is not None and days != span:
                raise SpecError(f"the dates cover {span} days but the request says {days} days")
            days = span
        r.start, r.days = start, days
        r.people = find_people(low)
        r.budget = find_budget(norm)
        r.local = read_local(norm)
        for kind in registry.all_types():
            value = kind.parse(text)
            if value is not None:
                r.extra.append(ExtraConstraint(type=kind.type, value=value))
        r.extra = self._drop_trip_places(r.extra, r.origin, r.destination)
        r.corrections = list(self.last_corrections)
        r.doubts = find_doubts(norm, r, mentions)
        return r

    def to_spec(self, r: RequestReading) -> TripSpec:
        missing = r.missing()
        if missing:
            if r.places_seen == 0 and r.start is None and r.budget is None:
                raise SpecError("this does not look like a travel request (no known city, date or budget in it)")
            if r.unknown_place and ("origin" in missing or "destination" in missing):
                raise self._unknown_error(r.unknown_place)
            hints = "; ".join(MISSING_HINTS[m] for m in missing)
            raise SpecError(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)} ({hints})")
        assert r.origin and r.destination and r.days and r.start and r.budget
        visiting = r.visiting_city_number or self.default_visiting(r.destination, r.days, r.visiting_city_number)
        cap = next((c.value for c in r.extra if c.type == "max_cities"), None)
        if cap is not None and r.visiting_city_number is None and visiting > cap:
            visiting = cap
        try:
            spec = TripSpec(origin=r.origin, destination=r.destination, days=r.days, visiting_city_number=visiting,
                            dates=dates_from(r.start, r.days), people=r.people, budget=r.budget, local=r.local,
                            extra=r.extra)
        except ValueError as exc:
            raise SpecError(_first_error(exc)) from None

        from planner.travel.translate import check_places

        return check_places(spec, self.bg)

    def default_visiting(self, dest: str, days: int, stated: int | None) -> int:
        """Cities visited when the text does not say: 1 for a city; for a state 1, 2, 3 for 3, 5, 7 days."""
        if stated is not None:
            return stated
        if dest in self.states and dest not in self.cities:
            return {3: 1, 5: 2, 7: 3}.get(days, max(1, min(3, (days - 1) // 2)))
        return 1

    # ------------------------------------------------------------------ places
    def _mentions(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        for m in self._place_re.finditer(text):
            raw = m.group(1)
            name = self._canonical.get(_fold(raw))
            if name is None:
                continue
            if raw.islower() and raw in COMMON_WORDS:
                continue
            found.append(Mention(name, m.start(1), m.end(1), name in self.cities, name in self.states))
        for m in self._cased_re.finditer(text):
            if not any(f.start <= m.start() < f.end for f in found):
                name = CASED_ALIASES[m.group(1)]
                is_code = len(m.group(1)) == 2 and name in self.states and m.group(1) not in ("LA", "SF", "DC", "KC")
                found.append(Mention(name, m.start(1), m.end(1), name in self.cities and not is_code,
                                     name in self.states))
        found.sort(key=lambda x: x.start)
        kept: list[Mention] = []
        for mention in found:
            prev = kept[-1] if kept else None
            between = text[prev.end: mention.start] if prev else ""
            # 'Charlotte in North Carolina', 'Portland, Oregon', 'Dallas, TX': the state says where the city is
            if (prev is not None and prev.is_city and mention.is_state
                    and self.bg.city_state.get(prev.name) == mention.name
                    and re.fullmatch(r"\s*(?:,|in|in the state of)?\s*", between)):
                continue
            after = text[mention.end: mention.end + 12]
            before = text[max(0, mention.start - 14): mention.start]
            if mention.is_state and mention.is_city:
                if re.match(r"\s+state\b", after, re.I) or re.search(r"\bstate of\s*$", before, re.I):
                    mention.is_city = False
                elif re.match(r"\s+city\b", after, re.I):
                    mention.is_state = False
            kept.append(mention)
        for mention in kept:
            before = text[max(0, mention.start - 40): mention.start]
            after = text[mention.end: mention.end + 40]
            if ORIGIN_BEFORE.search(before) or ORIGIN_AFTER.match(after):
                mention.role = "origin"
            elif DEST_BEFORE.search(before) or DEST_AFTER.match(after):
                mention.role = "dest"
        return kept

    def _roles(self, mentions: list[Mention], visiting: int | None, low: str) -> tuple[str | None, str | None]:
        cities = [m for m in mentions if m.is_city]
        origin = next((m for m in cities if m.role == "origin"), None)
        if origin is None:
            origin = next((m for m in cities if m.role != "dest"), None)
        if origin is None and len({m.name for m in cities}) >= 2:
            origin = cities[0]
        wants_state = (visiting or 1) > 1 or re.search(r"\bcities\b", low) is not None
        states_named = [m for m in mentions if m.is_state and not m.is_city]
        if origin is None and wants_state and states_named and len({m.name for m in cities}) == 1:
            # 'Commencing in Seattle, we'll visit 2 cities in California': the one city is where it starts
            origin = cities[0]
        rest = [m for m in mentions if origin is None or m.name != origin.name]
        if not rest:
            return (origin.name if origin else None), None
        states = [m for m in rest if m.is_state]
        if wants_state and states:
            return (origin.name if origin else None), states[0].name
        dest = next((m for m in rest if m.role == "dest"), rest[0])
        return (origin.name if origin else None), dest.name

    def _unknown_place(self, text: str, mentions: list[Mention]) -> str | None:
        first = re.match(r"\s*([A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*)*)\s+to\s", text)
        if first and not any(mt.start <= first.start(1) < mt.end for mt in mentions) \
                and first.group(1).split()[0].lower() not in _NOT_PLACES:
            return first.group(1).strip(" .,'")
        for m in re.finditer(r"\b(?:from|to|in|towards|visiting|visit|explore|exploring|across|departing|leaving)\s+"
                             r"((?:[A-Z][\w.'\-]*)(?:\s+(?:[A-Z][\w.'\-]*|of|de|la))*)", text):
            phrase = m.group(1).strip(" .,'")
            first = phrase.split()[0].rstrip(".,").lower()
            if first in _NOT_PLACES or re.match(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", first):
                continue
            if any(mt.start <= m.start(1) < mt.end for mt in mentions):
                continue
            return phrase
        return None

    def _unknown_error(self, phrase: str) -> SpecError:
        close = difflib.get_close_matches(phrase, sorted(self.cities), n=3, cutoff=0.5)
        hint = f"; closest known cities: {', '.join(close)}" if close else ""
        return SpecError(f"unknown city {phrase!r}: not in the database{hint}")

    @staticmethod
    def _drop_trip_places(extra: list[ExtraConstraint], origin: str | None, dest: str | None) -> list[ExtraConstraint]:
        """'We want to visit Orlando' names the destination, not an extra stop: such must-visits go."""
        out = []
        for c in extra:
            if c.type == "must_visit":
                rest = [x for x in c.value if x not in (origin, dest)]
                if not rest:
                    continue
                c = ExtraConstraint(type=c.type, value=rest)
            out.append(c)
        return out

    # ------------------------------------------------------------------ numbers
    def _visiting_cities(self, low: str) -> int | None:
        adjectives = [a.lower() for a, c in ALIASES.items() if c in self.states]
        states = "|".join(re.escape(s.lower()) for s in sorted(self.states | set(adjectives), key=len, reverse=True))
        m = re.search(r"(?<![\w/.-])(-?\d+)\s+(?:(?:different|distinct|separate|unique|other|more|major|various|"
                      r"main|big|new|great|nice|cool|key)\s+)?(?:(?:" + states + r"|[a-z]{2})\s+)?(?:cities|city|towns?|stops)\b"
                      r"|\bx\s?(\d+)\s+(?:cities|city)\b|\bcities\s*(?:x|:)\s*(\d+)\b(?!\s*(?:days?|nights?|people))"
                      r"|\bcities\b[^.;:!?]{0,20}?\b(\d+)\s+of\s+them\b", low)
        if m:
            n = int(m.group(1) or m.group(2) or m.group(3) or m.group(4))
            if n < 1:
                raise SpecError(f"visiting_city_number must be at least 1 (got {n})")
            return n
        return None


def _layout(text: str) -> str:
    """Lists and forms as sentences: one clause a line, 'key=value' as 'key: value', 'origin/destination:
    A / B' as 'from A to B', '2ppl' as '2 ppl'."""
    # a new line ends a clause where a list item or a 'key: value' line starts, or the line ended one
    text = re.sub(r"[ \t]*\n+[ \t]*(?:[-*\u2022\u2013\u2014]+\s*)", "; ", text.strip())
    text = re.sub(r"(?<=[.;:!?,])[ \t]*\n+[ \t]*|[ \t]*\n+[ \t]*(?=(?:\(?\w\)|\d+[.)]|[A-Za-z][\w /'-]{0,25}\s*(?:[:\-\u2013]\s|=)))",
                  "; ", text)
    text = re.sub(r"[ \t]*\n+[ \t]*", " ", text)
    text = re.sub(r"\b([A-Za-z_ ]{2,20}?)\s*=\s*(?=\S)", r"\1: ", text)
    text = re.sub(r"\b(?:origin|from)\s*/\s*(?:destination|to)\s*[:\-]?\s*([^/;\n]+?)\s*/\s*", r"from \1 to ", text,
                  flags=re.I)
    text = re.sub(r"(\d)(ppl|pax|people|persons|adults)\b", r"\1 \2", text, flags=re.I)
    return text


_NOT_PLACES = {"the", "i", "we", "my", "our", "a", "an", "me", "us", "it", "this", "that", "please", "there"}


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name).lower()


def _name_pattern(name: str) -> str:
    """A database name as a pattern: any run of spaces between words."""
    return r"\s+".join(re.escape(w) for w in name.split())


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
