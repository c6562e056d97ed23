"""TravelPlanner's local constraints from free text, negations included.

House rules (the accommodation must ALLOW smoking / parties / children under 10 / visitors /
pets), room types, cuisines and transport bans. A mention under a negation does not ask for the
rule: 'no smoking rooms please', 'we are non-smokers', 'we don't have kids or pets' ask for
nothing, while 'we smoke', 'bringing our dog' or '(we have kids under 10)' do.
"""

from __future__ import annotations

import re

from planner.travel.request_dates import PAST
from planner.travel.request_negation import BAN, NEGATION, inversions, scope, segment_bounds
from planner.travel.spec import CUISINES, LocalConstraints

HOUSE_RULES = {
    "smoking": r"\bsmok(?:ing|e|es|er|ers)\b|\bsmoke-friendly\b",
    "parties": r"(?<!our )(?<!my )(?<!the )(?<!your )(?<!whole )(?<!entire )\bpart(?:y|ies)\b"
               r"(?!\s+(?:of|size|is|has|will be|consists)\b)(?!\s*:)|\bparty-friendly\b"
               r"|\b(?:host|hosting|throw|throwing|have|having)\s+(?:a\s+)?(?:small\s+|big\s+)?(?:gathering|get-together|bash)\b",
    "children under 10": r"\b(?:children|kids?|child|toddlers?|infants?|bab(?:y|ies)|little ones|youngsters|newborns?)\b"
                         r"|\b[1-9][\s-]*(?:and\s+\d+[\s-]*)?(?:years?|yrs?)[\s-]*old\b|\bages?\s+\d"
                         r"|\b(?:sons?|daughters?|grandsons?|granddaughters?|nephews?|nieces?|grandkids?|grandchildren)\b"
                         r"\s*[(,]\s*(?:(?:he|she|who)\s*(?:'s|is)\s*|aged?\s*)?[1-9]\b(?!\d)",
    "visitors": r"\bvisitors?\b|\bguests? (?:over|visiting|coming)\b|\b(?:having|host|hosting|receive|invite) "
                r"(?:some\s+)?(?:guests|friends|people|visitors)\b|\b(?:friends|family|people|relatives)\s+"
                r"(?:[a-z']+\s+){0,3}?(?:drop|come|stop|swing) (?:by|over)\b"
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
                           r"(?!\s+(?:on|for|about|against|regarding)\s+(?:the\s+)?(?:smok|part|child|kid|visit|guest|pet|dog|cat))"
                           r"[^.?!)]*", re.I)


def _positive(pattern: str, low: str) -> int | None:
    """Position of the first mention that no negation governs (a negated ban counts), or None."""
    for m in re.finditer(pattern, low):
        if not _asks(low, m.start(), m.end()):
            continue
        return m.start()
    return None


ALLOWED_BEFORE = re.compile(r"\b(?:and|but|,)\s+(?:(?:must|should|would|will|can|also|to)\s+)*(?:allow|allows|permit|"
                            r"permits|accept|accepts|welcome|welcomes)\s+(?:\w+\s+)?$")


def _asks(low: str, start: int, end: int) -> bool:
    """Whether a house-rule mention asks for the rule: its clause inverts it an even number of
    times ('we smoke', 'visitors are not disallowed', 'no ban on smoking'; not 'we have no pets')."""
    return inversions(low, start, end) % 2 == 0


def _asks_by_scope(low: str, start: int, end: int) -> bool:
    """The same question answered from the nearest negation's scope (a second reading: where the
    two disagree, the reading is a doubt)."""
    if _NEGATED_AFTER.match(low[end:]):
        return False
    sc = scope(low, start, end)
    if sc.permission:
        return True
    if not sc.negated and ALLOWED_BEFORE.search(low[max(0, start - 30): start]):
        return True  # 'accommodations that are not shared rooms and allow parties'
    if sc.negated:
        return bool(re.search(r"^\W*(?:\w+\s+)?(?:allow|allows|allowed|ok|okay|fine|friendly|welcome|permitted)\b",
                              low[end: end + 20]))
    before = low[max(0, start - 40): start]
    if _NEGATION.search(before) and not BAN.search(before) and not re.search(
            r"^\W*(?:\w+\s+)?(?:allow|allows|allowed|ok|okay|fine|friendly|welcome|permitted)\b", low[end: end + 20]):
        return False
    return True


_NOW = re.compile(r"\b(?:now|this time|this trip|this year|again|either|still|will|won't|going to|want|need|please)\b|'ll\b")


def about_the_past(sentence: str) -> bool:
    """A sentence about an earlier trip only ('we shared a room last time and hated it'), not one
    that also says what holds now ('... last time and it isn't now either')."""
    return PAST.search(sentence) is not None and _NOW.search(sentence) is None


def read_local(text: str) -> LocalConstraints:
    low = NO_PREFERENCE.sub(" ", text.lower())
    # a sentence about an earlier trip asks for nothing now ('we shared a room last time and hated it')
    low = re.sub(r"[^.!?;\n]+", lambda m: " " * len(m.group(0)) if about_the_past(m.group(0)) else m.group(0), low)
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
            if _NO_CUISINE.search(low[max(0, m.start() - 40): m.start()]) or _cuisine_negated(low, m.start(), m.end()):
                continue
            found.append((m.start(), c))
            break
    return [c for _, c in sorted(found)]


_ROOM_WORDS = r"(?:rooms?|dorms?|accommodations?|spaces?|bedrooms?|lodging|places?)"
_SHARE = rf"\bshar(?:ed|e|ing)\b(?:\s+(?:a|the|any|our|my))?[\s-]+{_ROOM_WORDS}\b|\bdorm(?:s|itory|itories)?\b|\bhostels?\b"
_PRIVATE = (r"\bprivate[\s-]+(?:rooms?|bedrooms?)\b|\b(?:rooms?|bedrooms?|accommodations?)\s+(?:should|must|need to|needs to|"
            r"has to|have to|to|will)\s+be\s+private\b")
_ENTIRE = (r"\b(?:entire|whole)[\s-]+(?:rooms?|homes?|houses?|apartments?|apts?|places?|units?|flats?|"
           r"propert(?:y|ies)|rentals?|condos?)\b|\b(?:rooms?|places?|home|house|apartment|flat|unit) (?:all )?(?:to|for) "
           r"(?:ourselves|myself|themselves|us alone)\b")
# 'room: private', 'rooms - not shared', 'room=entire'
_ROOM_FIELD = re.compile(r"\b(?:rooms?|room type|accommodations?|lodging)\s*[:=\-\u2013]\s*"
                         r"(not[\s-]+shared|non[\s-]?shared|shared|private|entire|whole)\b")
_FIELD_VALUE = {"shared": "shared room", "private": "private room", "entire": "entire room", "whole": "entire room"}


_CUISINE_WORDS = "|".join(c.lower() for c in CUISINES)


def _cuisine_negated(low: str, start: int, end: int) -> bool:
    """A negation governs a cuisine unless an 'and' after a word of another topic separates them
    ('no flying and American food')."""
    if not scope(low, start, end).negated:
        return False
    before = low[max(0, start - 60): start]
    negations = list(NEGATION.finditer(before))
    if not negations:
        return True
    between = before[negations[-1].end():]
    for m in re.finditer(r"\b(?:and|&)\b", between):
        words = re.findall(r"[a-z]+", between[: m.start()])
        if any(w not in _CUISINE_WORDS.split("|") + ["food", "cuisine", "restaurants", "or", "any", "more"] for w in words):
            return False
    return True


def room_type(low: str) -> str | None:
    m = _ROOM_FIELD.search(low)
    if m:
        word = m.group(1)
        return _FIELD_VALUE.get(word, "not shared room")
    if re.search(r"\b(?:mind|fine with|ok with|okay with|happy to|glad to|open to|willing to)\s+(?:a\s+)?shar(?:e|ing|ed)\b", low):
        return "shared room"
    if re.search(r"(?:\bnot\b|\bno\b|\bnon\b|\bavoid\b|\bwithout\b|n't|\bnor\b|\bnever\b)[^.?!;()]{0,25}?"
                 r"\bshar(?:ed|e|ing)\b(?:\s+(?:a|the|any))?[\s-]+(?:rooms?|dorms?|accommodations?)\b"
                 r"|\bnot[\s-]+shared\b|\bno[\s-]+sharing\b|\bown rooms?\b|\brooms? of (?:our|my) own\b"
                 r"|\bnot wanting shared\b", low):
        return "not shared room"
    if re.search(r"\b(?:rooms?|accommodations?|lodging|places?|bedrooms?)\s+(?:that|which)?\s*(?:is|are|should|must|will|"
                 r"would|can)?\s*(?:not|n't|never)\s+(?:be\s+)?shared\b|\b(?:rooms?|accommodations?|lodging|places?)\s+"
                 r"(?:that|which)?\s*(?:isn't|aren't|shouldn't|mustn't|won't|wouldn't|can't|cannot)\s+(?:be\s+)?shared\b", low):
        return "not shared room"
    shared = [m for m in re.finditer(_SHARE, low)]
    for m in re.finditer(r"\bshared\b", low):  # 'an accommodation that allows pets and is not shared'
        sentence = re.split(r"[.!?;\n]", low[:m.start()])[-1]
        if re.search(r"\b(?:rooms?|accommodations?|lodging|place|places|stay)\b", sentence) \
                and scope(low, m.start(), m.end()).negated:
            return "not shared room"
    for m in re.finditer(r"\bshar(?:ing|ed)\b", low):  # 'Sharing is not an option for us'
        left = segment_bounds(low, m.start(), m.end())[0]
        if len(re.findall(r"\w+", low[left:m.start()])) <= 1 and scope(low, m.start(), m.end()).negated:
            return "not shared room"
    if any(scope(low, m.start(), m.end()).negated for m in shared):
        return "not shared room"
    private = [m for m in re.finditer(_PRIVATE, low) if not scope(low, m.start(), m.end()).negated]
    entire = [m for m in re.finditer(_ENTIRE, low) if not scope(low, m.start(), m.end()).negated]
    if private and entire and _alternatives(low, private[0], entire[0]):
        return "not shared room"  # 'a private room or an entire home': anything but a shared room
    if shared:
        return "shared room"
    if private:
        return "private room"
    if entire:
        return "entire room"
    return None


def _alternatives(low: str, a: re.Match, b: re.Match) -> bool:
    """Two room types offered as alternatives ('X or Y', 'X or Y, we don't mind which')."""
    first, second = sorted((a, b), key=lambda m: m.start())
    return re.fullmatch(r"[\s,]*(?:or|and/or|/)\s*(?:an?\s+|the\s+)?", low[first.end(): second.start()]) is not None \
        or re.search(r"\beither\b", low[max(0, first.start() - 20): first.start()]) is not None


_GROUND = r"(?:land|car|road|train|trains|bus|buses|coach|rail|taxi|taxis|ground)"
_FLY = (r"(?:flights?|fly|flying|flies|flew|flown|fliers?|flyers?|planes?|airplanes?|aeroplanes?|air travel|airlines?|"
        r"airports?|air)")
_DRIVE = (r"(?:self[\s-]?driv(?:e|ing|en)|driv(?:e|es|ing|en|ers?)(?:\s+(?:ourselves|myself|themselves))?|drove|"
          r"rent(?:ing)? a car|rental car|car rentals?|cars?|car self|(?:drivers?'?s?\s+)?licen[cs]es?|behind the wheel)")
# ground-only requests ban flights: 'by train or bus only', 'ground transportation only'
_GROUND_ONLY = re.compile(rf"\bnon[\s-]?flight\b|\bby {_GROUND}(?:\s*(?:or|and|/|,)\s*{_GROUND})* only\b|\bonly (?:by )?{_GROUND}\b"
                          r"|\bground (?:transport(?:ation)?|travel) only\b|\bonly (?:by )?ground\b|\bno air\b"
                          r"|\bkeep (?:me|us) on the ground\b|\bstay on the ground\b")


_AIRLINE_AFTER = re.compile(r"\s+(?:with\s+|on\s+|by\s+)?(?:delta|united|american airlines|southwest|jetblue|alaska airlines|"
                            r"spirit|frontier|allegiant|hawaiian airlines|sun country)\b")


# a kind of flight or drive ('long drives', 'red-eye flights'): a restriction the spec cannot hold
QUALIFIED = re.compile(r"\b(?:long|longer|short|overnight|early|late|night|red[\s-]?eye|connecting|cheap|expensive|"
                       r"budget|multiple|several|many)\s+$")


def transport_mentions(low: str) -> list[tuple[str, int, int, bool]]:
    """(ban, start, end, negated) of every mention of flying or driving, in order; a qualified one
    ('long drives') is left out (request_doubts reports it)."""
    out = []
    for ban, words in (("no flight", _FLY), ("no self-driving", _DRIVE)):
        for m in re.finditer(rf"\b{words}\b", low):
            if ban == "no flight" and m.group(0) == "air" and not re.match(r"\s*(?:travel|plane|line)", low[m.end():]) \
                    and not re.search(r"\bno\s+$", low[max(0, m.start() - 4): m.start()]):
                continue
            if ban == "no flight" and _AIRLINE_AFTER.match(low, m.end()):
                continue  # 'we won't fly Delta': an airline avoided, not flying (extra/airlines.py)
            if QUALIFIED.search(low[max(0, m.start() - 14): m.start()]):
                continue
            out.append((ban, m.start(), m.end(), scope(low, m.start(), m.end()).negated))
    for m in _GROUND_ONLY.finditer(low):
        out.append(("no flight", m.start(), m.end(), True))
    return sorted(out, key=lambda x: x[1])


def transportation(low: str) -> str | None:
    banned = [ban for ban, _, _, negated in transport_mentions(low) if negated]
    return banned[0] if banned else None
