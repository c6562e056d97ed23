"""What a reading of a request leaves unaccounted for: clauses no field consumed, and readings in conflict.

After the parser has read a request, every mention of something a TripSpec can hold must have
gone into a field: a transport mode under a negation into the transport ban, a house-rule topic
that asks for the rule into the house rule, a room type into the room type, a cuisine into the
cuisines, every amount of money into the budget, every number into a role (a date, the length,
the travellers, the city count, the budget, an age, a list marker), every city into the route.
What is left is a `Doubt` naming the clause and the field it seems to concern; two readings that
disagree (two transport bans, two house rules, two amounts) are a doubt too, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.travel.request_constraints import (
    _DRIVE,
    _FLY,
    _NEGATED_AFTER,
    HOUSE_RULES,
    QUALIFIED,
    _asks,
    _asks_by_scope,
    _only_older_children,
    about_the_past,
    room_type,
    transport_mentions,
)
from planner.travel.request_dates import year_candidates
from planner.travel.request_negation import inversions, segment_bounds
from planner.travel.request_numbers import _amounts
from planner.travel.request_people import (
    ADJECTIVES,
    COMPANIONS,
    PERSON_NOUNS,
    SOLO,
    TOTALS,
    _enumerated,
)

if TYPE_CHECKING:
    from planner.travel.parser import Mention, RequestReading

# cuisines people ask for that the benchmark's list lacks
OTHER_CUISINES = ("thai|japanese|korean|vietnamese|greek|spanish|german|cajun|creole|ethiopian|caribbean|turkish|"
                  "lebanese|brazilian|cuban|peruvian|middle eastern|sushi|tex-mex|soul food|bbq|barbecue|seafood|"
                  "vegan|vegetarian|kosher|halal|gluten-free")
_OTHER_TRANSPORT = r"\b(?:taxis?|cabs?|ubers?|buses|bus|trains?|rail|ferr(?:y|ies)|boats?|cruises?)\b"
_ROOM_TOPIC = (r"\b(?:shar(?:ed|e|ing)|dorms?|hostels?|private|entire|whole (?:place|home|house|apartment|unit|flat)|"
               r"own (?:room|place|space)|to (?:ourselves|myself))\b")
_ROOM_NOUN = r"\b(?:rooms?|bedrooms?|accommodations?|lodging|place|places|space|stay|home|house|apartment|unit|flat|dorm|hostel)\b"
_PERSON_AFTER = re.compile(r"\s*(?:of\s+(?:my|our)\s+)?(?:other\s+|more\s+|(?:college|best|close|old|good|adult|retired|young|elderly|senior|work|"
                           r"school|fellow|female|male|grown|university|little|small)\s+)?(?:of\s+us\b|adults?|kids?|children|child|people|persons?|"
                           r"travell?ers?|friends?|guests?|pax|ppl|colleagues?|coworkers?|co-workers?|couples?|"
                           r"families|sons?|daughters?|students?|girls?|guys?|boys?|men|women|ladies|members?|seniors?|"
                           r"teens?|toddlers?|infants?|babies|grandchildren|siblings?|brothers?|sisters?|cousins?|"
                           r"buddies|pals?|retirees|dogs?|cats?|pets?|smokers?|little ones)\b", re.I)


CHILD_NOUNS = r"kids|children|sons|daughters|grandchildren|grandkids"


@dataclass(frozen=True)
class Doubt:
    """A clause the reading did not account for, or two readings in conflict."""

    field: str
    clause: str
    kind: str = "unread"  # or "conflict"

    def line(self) -> str:
        return f"{self.kind}: {self.clause!r} ({self.field})"


def find_doubts(text: str, reading: RequestReading, mentions: list[Mention]) -> list[Doubt]:
    """The doubts of `reading`, read from `text` (the parser's normalised text)."""
    low = text.lower()
    out: list[Doubt] = []

    def clause(start: int, end: int) -> str:
        left, right = segment_bounds(low, start, end)
        return text[left:right].strip(" ,;:-")

    def add(field: str, start: int, end: int, kind: str = "unread") -> None:
        d = Doubt(field, clause(start, end), kind)
        if d not in out:
            out.append(d)

    past = [m.span() for m in _sentences(low) if about_the_past(m.group(0))]

    def in_past(pos: int) -> bool:
        return any(a <= pos < b for a, b in past)

    lc = reading.local
    # transport: every negated mode went into the ban, and only one mode is banned
    bans = [(ban, s, e) for ban, s, e, negated in transport_mentions(low) if negated and not in_past(s)]
    for ban, s, e in bans:
        if lc.transportation != ban:
            add("transportation", s, e, "conflict" if lc.transportation else "unread")
    for _ban, s, e, negated in transport_mentions(low):
        left, right = segment_bounds(low, s, e)
        bare = not low[left:s].strip(" \"'*-") and not low[e:right].strip(" ?!.:\"'")
        if not re.fullmatch(rf"{_FLY}|{_DRIVE}", low[s:e]) or bare:
            continue  # a ground-only phrase, or a bare mention answered in the next sentence
        if not in_past(s) and negated != (inversions(low, s, e) % 2 == 1):
            add("transportation", s, e, "conflict")  # two readings of its negations disagree
    for m in re.finditer(rf"\b(?:{_FLY}|{_DRIVE})\b", low):
        if QUALIFIED.search(low[max(0, m.start() - 14): m.start()]) and _negated(low, m.start(), m.end()):
            add("transportation", m.start(), m.end())  # 'no long drives': a kind of leg, not the mode
    for m in re.finditer(_OTHER_TRANSPORT, low):
        if _negated(low, m.start(), m.end()) and not in_past(m.start()) and not _covered(bans, m.start()):
            add("transportation", m.start(), m.end())
    # house rules: one rule can be asked; a mention that asks for another is left over
    for rule, pattern in HOUSE_RULES.items():
        if rule == "children under 10" and _only_older_children(low):
            continue
        for m in re.finditer(pattern, low):
            if in_past(m.start()):
                continue
            asks = _asks(low, m.start(), m.end())
            if asks and lc.house_rule != rule:
                add("house rule", m.start(), m.end(), "conflict" if lc.house_rule else "unread")
            elif not asks and lc.house_rule != rule and _asks_by_scope(low, m.start(), m.end()) \
                    and not _NEGATED_AFTER.match(low[m.end():]):
                add("house rule", m.start(), m.end(), "conflict")  # two readings of its negations disagree
    # room types
    for m in re.finditer(_ROOM_TOPIC, low):
        near = low[max(0, m.start() - 30): m.end() + 30]
        sentence = re.split(r"[.!?;\n]", low[:m.start()])[-1] + re.split(r"[.!?;\n]", low[m.end():])[0]
        if not (re.search(_ROOM_NOUN, near) or m.group(0).startswith("shar") and re.search(_ROOM_NOUN, sentence)) \
                or in_past(m.start()):
            continue
        if not m.group(0).startswith(("shar", "dorm", "hostel")) and _negated(low, m.start(), m.end()):
            continue  # 'we don't need a private room': no room type asked
        left, right = segment_bounds(low, m.start(), m.end())
        own = room_type(low[left:right])
        if lc.room_type is None or (own is not None and own != lc.room_type):
            add("room type", m.start(), m.end(), "conflict" if lc.room_type else "unread")
    # cuisines the benchmark's list lacks
    for m in re.finditer(rf"\b(?:{OTHER_CUISINES})\b", low):
        if re.search(r"\b(?:food|cuisine|restaurants?|dishes|meals?|places|options|eat|eating|dining|diet)\b",
                     low[max(0, m.start() - 30): m.end() + 30]) and not _negated(low, m.start(), m.end()):
            add("cuisine", m.start(), m.end())
    # money: every amount is the budget (or a price per unit, which _amounts leaves out)
    amounts = _amounts(text)
    for a in amounts:
        if a.marked and reading.budget is not None and a.value != reading.budget and not in_past(a.start):
            add("budget", a.start, a.end, "conflict")
    # numbers: each has a role
    for m in re.finditer(r"(?<![\w.,/$:-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w/:]|[.,]\d)", text):
        if in_past(m.start()) or _has_role(amounts, low, m, reading):
            continue
        add(_number_field(low, m), m.start(), m.end())
    # years: one trip, one year (a year named apart from the dates read must agree)
    if reading.start is not None:
        for m in re.finditer(r"(?<![\d/.\-$,])(20\d{2}|19\d{2})(?![\d/.\-])", low):
            if int(m.group(1)) in year_candidates(low) and int(m.group(1)) not in (reading.start.year, reading.start.year + 1) \
                    and not in_past(m.start()):
                add("dates", m.start(), m.end(), "conflict")
    # travellers: everyone the request names is counted ('my wife and I plus our two kids')
    named_people = _enumerated(low)
    stated = re.search(SOLO, low) or any(re.search(t, low) for t in TOTALS)
    if named_people > reading.people and not stated:
        add("people", 0, 1, "conflict")
    counted = stated or re.search(rf"\b\d+\s+(?:{ADJECTIVES}\s+)?{PERSON_NOUNS}\b|\bfor\s+\d+\b|\b\d+\s+of\s+us\b", low)
    if not counted:
        for m in re.finditer(r"\b(?:my|our|the|with|and)\s+(?:(?:little|young|grown|adult)\s+)?(kids|children|friends|sons|"
                             r"daughters|grandchildren|grandkids|colleagues|coworkers|cousins|siblings)\b", low):
            kind = CHILD_NOUNS if re.fullmatch(CHILD_NOUNS, m.group(1)) else m.group(1)
            if not re.search(rf"\b\d+\s+(?:\w+\s+){{0,2}}(?:{kind})\b", low) and not in_past(m.start()):
                add("people", m.start(), m.end())  # how many is not said
                break
    # places: every city named is on the route or in a constraint
    named = {reading.origin, reading.destination} | {c for x in reading.extra if isinstance(x.value, list)
                                                     for c in x.value if isinstance(c, str)}
    for mt in mentions:
        if mt.name in named or in_past(mt.start):
            continue
        if mt.is_state and not mt.is_city:
            continue  # a state: where a city is, or the trip's state
        add("places", mt.start, mt.end)
    return out


_MONTHS = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
           r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
MONTH_BEFORE = (_MONTHS + r"\s*(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s*(?:-|\u2013|\u2014|to|through|and|until|till)\s*"
                r"(?:the\s+)?)?$")
MONTH_AFTER = (r"(?:st|nd|rd|th)?(?:\s*(?:-|\u2013|\u2014|to|through|and|until|till|thru)\s*\d{1,2}(?:st|nd|rd|th)?)?\s*(?:of\s+)?"
               + _MONTHS + r"\b")


def _sentences(low: str):
    return re.finditer(r"[^.!?;\n]+(?:[.!?;\n]+|$)", low)


def _covered(spans: list[tuple[str, int, int]], pos: int) -> bool:
    return any(s <= pos < e for _, s, e in spans)


def _negated(low: str, start: int, end: int) -> bool:
    from planner.travel.request_negation import scope

    return scope(low, start, end).negated


def _has_role(amounts: list, low: str, m: re.Match, r: RequestReading) -> bool:
    value = int(m.group(1).replace(",", ""))
    before, after = low[: m.start()], low[m.end():]
    if m.group(0) != m.group(1):  # a decimal: a rating, hours, '1.8k'; never a count or a date
        return bool(re.match(r"\s*(?:k|grand|hours?|hrs?|h\b|stars?|or (?:higher|better|more|above)|\+|%)", after)) or \
            bool(re.search(r"(?:rat(?:ed|ing)|stars?|at least|minimum|min\.?|above|over|\$)\s*$", before))
    if re.match(r"\s*(?:\$|dollars?|usd|bucks)?\s*(?:each|apiece|per\b|a (?:head|night|day|person|ticket)\b|/\s*\w)", after):
        return True  # a price per unit, not the budget
    if value in (0, 1):
        return True  # 'zero flights', 'one evening': a negation, or a word for 'a'
    if re.match(r"\s*[-\u2013]\s*\d{1,2}[/.]\d", after):
        return True  # a day range of a numeric date ('22-26/03/2022')
    if re.match(r"[\s-]*(?:restaurants?|meals?|attractions?|museums?|parks?|beds?|bedrooms?|bathrooms?|hotels?|"
                r"rooms?|bags?|suitcases?|tickets?|seats?)\b", after):
        return True  # counts of things outside the spec (an extra constraint may read them)
    if re.match(r"[\s-]*(?:weeks?|months?|years?)\b", after):
        return True
    if r.budget is not None and any(a.start <= m.start() < max(a.end, a.start + 1) and a.value == r.budget
                                    for a in amounts):
        return True  # part of the budget's amount ('3 400 USD')
    if re.search(MONTH_BEFORE, before) or re.match(MONTH_AFTER, after):
        return True  # a date, the trip's or another ('I turn 30 on March 18')
    if r.budget is not None and value in (r.budget, r.budget // 1000) and (value == r.budget or re.match(r"[.\d]*\s*k\b", after)):
        return True
    if re.match(r"\s*(?:k|grand)\b", after) or re.match(r"\.\d+\s*k\b", after):
        return True
    dates = []
    if r.start is not None:
        import datetime as dt

        end = r.start + dt.timedelta(days=(r.days or 1) - 1)
        dates = [r.start, end]
    if dates:
        years = {d.year for d in dates} | ({d.year % 100 for d in dates} if re.search(r"'\s*$", before) else set())
        if value in years:
            return True
        every_day = {(r.start + dt.timedelta(days=i)).day for i in range(r.days or 1)}
        if value in every_day and re.search(_MONTHS + r"[^.;!?]{0,20}$", before):
            return True  # a day of the trip listed ('Mar 18, 19 and 20')
    # a count has the role its words give it, and the reading's value for that role
    if _PERSON_AFTER.match(after) or re.match(rf"\s*(?:{ADJECTIVES}\s+)?(?:{PERSON_NOUNS}|{COMPANIONS})\b", after):
        pets = re.match(r"\s*(?:dogs?|cats?|pets?)\b", after)
        return bool(pets) or value <= r.people  # a group larger than the travellers is a misread
    if value == r.days and (re.match(r"[\s-]*(?:days?|d)\b", after)
                            or re.search(r"\b(?:days?|duration|length|trip length)\s*[:=\-\u2013]?\s*$", before)):
        return True
    if r.days and value == r.days - 1 and re.match(r"[\s-]*nights?\b", after):
        return True
    if value == r.visiting_city_number and (re.match(r"[\s\w'-]{0,25}?\b(?:cities|city|towns?|stops)\b", after)
                                            or re.search(r"\b(?:cities|towns|stops)\b[^.;!?]{0,20}$", before)):
        return True
    if value in (r.people, r.people - 1) and re.search(
            r"\b(?:for|of|are|be|we|us|party|group|family|team|crew|travell?ers?|people|pax|ppl|persons?|adults?|"
            r"guests?|total|plus|with|me|who|we're|we are|there are|there'll be|we'll be|we will be)\s*[:=\-\u2013+(]?\s*$"
            r"|\+\s*$", before):
        return True
    if re.match(r"\s*(?:-|\s)?(?:years?|yrs?|yo|y/o)\b|\s*-?\s*year-old|\s*(?:and|&|,|to|-|\u2013)\s*\d+\s*-?\s*"
                r"(?:years?|yrs?)", after) \
            or re.search(r"\b(?:aged?|ages|under|over|below|younger than|less than|age of|is|are|turns?|turning|i'?m|i am|"
                         r"he'?s|she'?s|who'?s|he is|she is|who is)"
                         r"\s+(?:\d+\s*(?:,|and|&)\s*)*$", before) \
            or re.search(r"\b(?:kids|children|child|sons|daughters|boys|girls|grandma|grandpa|grandmother|grandfather|mom|"
                         r"dad|mother|father|wife|husband|son|daughter|partner|friend|sister|brother)\b[^.;]{0,14}?[(,:]\s*"
                         r"(?:aged?\s+)?"
                         r"(?:\d+\s*(?:,|and|&)\s*)*$", before):
        return True  # an age ('kids are 4 and 7', 'under 10', 'I turn 30')
    if re.match(r"[\s-]*(?:am|pm|a\.m|p\.m|o'?clock|h\b|hours?|hrs?|minutes?|mins?|stars?|%|percent|miles?|km|"
                r"weeks?|months?|years?|times?|nights?|stops?|layovers?|connections?)\b", after):
        return True
    if value <= 20 and re.search(r"(?:^|\s|[;(])$", before) and re.match(r"[.)]\s+\S", after):
        return True  # a list marker: '1) origin', '2. to Denver'
    if re.search(r"(?:rating|rated|stars?|flight|number|no\.|#)\s*(?:of\s+)?(?:at least\s+)?$", before):
        return True
    return False


def _number_field(low: str, m: re.Match) -> str:
    near = low[max(0, m.start() - 25): m.end() + 25]
    if re.search(r"\$|dollars?|usd|bucks|budget|spend|total", near):
        return "budget"
    if re.search(r"cities|towns|stops", near):
        return "visiting_city_number"
    if re.search(r"days?|nights?|weeks?", near):
        return "days"
    if re.search(r"january|february|march|april|may|june|july|august|september|october|november|december|\d/\d", near):
        return "dates"
    return "people"
