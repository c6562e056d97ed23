"""TravelPlanner's local constraints from free text, negations included.

House rules (the accommodation must ALLOW smoking / parties / children under 10 / visitors /
pets), room types, cuisines and transport bans. A mention under a negation does not ask for the
rule: 'no smoking rooms please', 'we are non-smokers', 'we don't have kids or pets' ask for
nothing, while 'we smoke', 'bringing our dog' or '(we have kids under 10)' do.
"""

from __future__ import annotations

import re

from planner.travel.spec import CUISINES, LocalConstraints

HOUSE_RULES = {
    "smoking": r"\bsmok(?:ing|e|es|er|ers)\b|\bsmoke-friendly\b",
    "parties": r"(?<!our )(?<!my )(?<!the )(?<!your )(?<!whole )(?<!entire )\bpart(?:y|ies)\b"
               r"(?!\s+(?:of|size|is|has|will be|consists)\b)(?!\s*:)|\bparty-friendly\b"
               r"|\b(?:host|hosting|throw|throwing|have|having)\s+(?:a\s+)?(?:small\s+|big\s+)?(?:gathering|get-together|bash)\b",
    "children under 10": r"\b(?:children|kids?|child|toddlers?|infants?|bab(?:y|ies)|little ones|youngsters|newborns?)\b"
                         r"|\b[1-9][\s-]*(?:and\s+\d+[\s-]*)?(?:years?|yrs?)[\s-]*old\b|\bages?\s+\d",
    "visitors": r"\bvisitors?\b|\bguests? (?:over|visiting|coming)\b|\b(?:having|host|hosting|receive|invite) "
                r"(?:some\s+)?(?:guests|friends|people|visitors)\b|\b(?:friends|family|people|relatives) "
                r"(?:will |may |might |could |are going to )?(?:drop|come|stop|swing) (?:by|over)\b"
                r"|\bfriends over\b",
    "pets": r"\bpets?\b|\bpet-friendly\b|\bdogs?\b|\bcats?\b|\bpupp?(?:y|ies)?\b|\bpooch\b|\bkitten\b",
}
# a negation shortly before a mention, inside the same clause
_NEGATION = re.compile(r"(?:\bno\b|\bnon-?|\bnot\b|n't\b|\bnever\b|\bwithout\b|\bnor\b|\bdon t\b|\bdont\b|"
                       r"\ballergic to\b|\bafraid of\b|\bneither\b|\bzero\b|\b0\b)"
                       r"[^.,;!?()/]{0,25}$")
_NO_CUISINE = re.compile(r"(?:\bno|\bnot|n't|\bwithout|\bexcept|\bavoid(?:ing)?|\bhate|\bdislike)\s+"
                         r"(?:(?:like|want|eat|care\s+for|fond\s+of|any|more|really|much|to\s+eat|too)\s+)*$")
_NEGATED_AFTER = re.compile(r"^[\s-]*(?:free|prohibited|forbidden|not allowed|banned)\b")
NO_PREFERENCE = re.compile(r"\bno (?:specific |particular |special )?(?:preferences?|requirements?|restrictions?)\b"
                           r"[^.?!)]*", re.I)


def _positive(pattern: str, low: str) -> int | None:
    """Position of the first mention that no negation governs, or None."""
    for m in re.finditer(pattern, low):
        before = low[max(0, m.start() - 40): m.start()]
        if _NEGATION.search(before) and not re.search(r"\b(?:allow|allows|allowed|ok|okay|fine|friendly)\b",
                                                      low[m.end(): m.end() + 15]):
            continue
        if _NEGATED_AFTER.match(low[m.end():]):
            continue
        return m.start()
    return None


def read_local(text: str) -> LocalConstraints:
    low = NO_PREFERENCE.sub(" ", text.lower())
    return LocalConstraints(house_rule=house_rule(low), cuisine=cuisines(low) or None, room_type=room_type(low),
                            transportation=transportation(low))


def house_rule(low: str) -> str | None:
    hits = []
    for rule, pattern in HOUSE_RULES.items():
        if rule == "children under 10" and _only_older_children(low):
            continue
        pos = _positive(pattern, low)
        if pos is not None:
            hits.append((pos, rule))
    return min(hits)[1] if hits else None


def _only_older_children(low: str) -> bool:
    ages = [int(a) for a in re.findall(r"\b(\d{1,2})[\s-]*(?:years?|yrs?)[\s-]*old\b", low)]
    return bool(ages) and min(ages) >= 10 and not re.search(r"\bunder\s+(?:10|ten)\b", low)


def cuisines(low: str) -> list[str]:
    found = []
    for c in CUISINES:
        for m in re.finditer(rf"\b{c.lower()}\b", low):
            if not _NO_CUISINE.search(low[max(0, m.start() - 40): m.start()]):
                found.append((m.start(), c))
                break
    return [c for _, c in sorted(found)]


def room_type(low: str) -> str | None:
    if re.search(r"\b(?:mind|fine with|ok with|okay with|happy to|glad to|open to|willing to)\s+(?:a\s+)?shar(?:e|ing|ed)\b", low):
        return "shared room"
    if re.search(r"(?:\bnot\b|\bno\b|\bnon\b|\bavoid\b|\bwithout\b|n't|\bnor\b)[^.?!;()]{0,25}?"
                 r"\bshar(?:ed|e|ing)\b(?:\s+(?:a|the|any))?[\s-]+(?:rooms?|dorms?|accommodations?)\b"
                 r"|\bnot[\s-]+shared\b|\bno[\s-]+sharing\b|\bown rooms?\b|\brooms? of (?:our|my) own\b"
                 r"|\bnot wanting shared\b", low):
        return "not shared room"
    if re.search(r"\bshared[\s-]+(?:rooms?|dorms?|accommodations?)\b|\bshar(?:e|ing) (?:a |the )?room\b"
                 r"|\bdorm(?:s|itory)?\b|\bhostel", low):
        return "shared room"
    if re.search(r"\bprivate[\s-]+(?:rooms?|bedrooms?)\b", low):
        return "private room"
    if re.search(r"\b(?:entire|whole)[\s-]+(?:rooms?|homes?|houses?|apartments?|apts?|places?|units?|flats?|"
                 r"propert(?:y|ies)|rentals?|condos?)\b|\b(?:rooms?|places?|home|house|apartment|flat|unit) (?:all )?(?:to|for) (?:ourselves|"
                 r"myself|themselves|us alone)\b", low):
        return "entire room"
    return None


_GROUND = r"(?:land|car|road|train|trains|bus|buses|coach|rail|taxi|taxis|ground)"
_FLY = r"(?:flights?|fly|flying|flies|planes?|airplanes?|air travel|airlines?|airports?)"
_DRIVE = (r"(?:self[\s-]?driv(?:e|ing)|driv(?:e|es|ing)(?:\s+(?:ourselves|myself|themselves))?|drive|"
          r"rent(?:ing)? a car|rental car|car rentals?|cars?|car self|(?:drivers?'?s?\s+)?licen[cs]e)")


def transportation(low: str) -> str | None:
    neg = (r"(?:\bnot\b|n't\b|\bdont\b|\bnever\b|\bavoid(?:ing)?\b|\bexclud(?:e|ing)\b|\bhates?\b|\bafraid of\b|"
           r"\bno\b|\bwithout\b|\brather not\b|\bnor\b|\bscared of\b|\bfear of\b|\brefuse\b|\brefusing\b|"
           r"\bunable\b|\bcannot\b|\bcan not\b|\bskip(?:ping)?\b|\bdislike\b|\bterrified of\b|\b0\b|"
           r"\bneither\b)")
    flight = re.search(
        rf"{neg}[^.?!;]{{0,40}}?\b{_FLY}\b|\bnon[\s-]?flight\b|\bby {_GROUND}(?:\s*(?:or|and|/|,)\s*{_GROUND})* only\b"
        rf"|\bonly (?:by )?{_GROUND}\b"
        r"|\bground (?:transport(?:ation)?|travel) only\b|\bonly (?:by )?ground\b|\bno air\b", low)
    if flight and re.search(r"\b(?:mind|problem with)\b", flight.group(0)):
        flight = None
    drive = re.search(rf"{neg}[^.?!;]{{0,40}}?\b{_DRIVE}\b|\bnon[\s-]?self[\s-]?driving\b", low)
    if drive and re.search(r"\b(?:mind|problem with)\b", drive.group(0)):
        drive = None
    if flight and drive:
        return "no flight" if flight.start() < drive.start() else "no self-driving"
    if flight:
        return "no flight"
    if drive:
        return "no self-driving"
    return None
