"""How many people travel, from the ways people say it.

Reads text whose number words are already digits (request_numbers.spell_out_numbers): totals
('4 people', 'a group of 6', 'we are 3', 'the 2 of us', 'party size: 8'), adults plus children,
companions added to the writer ('me and 2 friends', 'with 3 friends', 'my partner and I',
'me, my wife and our 3 kids'), pairs ('a couple', 'duo', '2 couples') and one ('solo', 'just me').
"""

from __future__ import annotations

import re

from planner.travel.spec import SpecError

PERSON_NOUNS = (r"(?:people|persons?|person|travell?ers?|individuals|adults?|guests|pax|ppl|friends|buddies|"
                r"colleagues|coworkers|co-workers|ladies|guys|dudes|girls|boys|women|men|students|teachers|"
                r"retirees|family members|members|participants|passengers|souls|folks|heads|smokers|nurses|doctors|"
                r"seniors|sisters|brothers|cousins|hikers|musicians|runners|golfers|engineers|backpackers|"
                r"tourists|visitors|siblings|roommates|classmates|couples? of friends|grown-?ups)")
COMPANIONS = (r"(?:friends?|buddies|buddy|colleagues?|coworkers?|pals?|mates?|cousins?|relatives?|"
              r"siblings?|kids|children|sons|daughters)")
RELATIONS = (r"(?:wife|husband|partner|spouse|girlfriend|boyfriend|fianc[eé]e?|mom|mum|mother|dad|father|"
             r"brother|sister|son|daughter|friend|buddy|colleague|coworker|roommate|cousin|aunt|uncle|"
             r"grandma|grandpa|grandmother|grandfather|niece|nephew|kid|child|mother-in-law|father-in-law|"
             r"best friend|bf|gf|other half|better half)")
_N = r"(\d+)"
ADJECTIVES = (r"(?:college|best|close|old|good|adult|retired|young|elderly|senior|work|school|fellow|female|male|"
              r"grown|university|lovely|other)")
SOLO = (r"\b(?:solo|alone|by myself|on my own|just me|only me|me only|just myself|only myself|myself only|"
        r"single (?:travell?er|person|adult)|party of 1|1 travell?er|1 person|1 adult|lone travell?er)\b"
        r"(?!\s*(?:and|&|\+|plus|,\s*my|with)\b)")
_NOT_AFTER_FOR = r"(?![\s-]*(?:days?|nights?|cities|city|weeks?|-day|%|dollars|usd|bucks|k\b|grand|am|pm|st|nd|rd|th)|\s*[/.:-]\s*\d)"

TOTALS = [
    rf"\b{_N}\s+(?:people|persons?|travell?ers?|individuals)\s+(?:in\s+)?total\b",
    rf"\btotal\s+(?:of\s+)?{_N}\s+(?:people|persons?|travell?ers?)\b",
    rf"\b(?:travell?ers|people|persons|pax|guests|adults|group size|party size|party|group|headcount|who|"
    rf"number of (?:people|travell?ers|persons|guests))\s*[:=\-\u2013]\s*{_N}\b(?!\s*(?:days?|nights?|cities|city|-day))",
    rf"\b(?:me|myself)\s*(?:\+|plus)\s*{_N}\b(?!\s*(?:days?|nights?|cities|[a-z]))(?P<plus_one>)",
    rf"\b(?:that's|that is|that makes|makes it|so|in all|altogether)\s+{_N}\s+(?:people|persons|of us|travell?ers)\b",
    rf"\b(?:group|party|family|team|delegation|crew|bunch|gang|club) of {_N}\b",
    rf"\b(?:group|party|family|team|crew|headcount)\s+(?:is|will be|has|counts)\s+{_N}\b(?!\s*(?:days?|cities))",
    rf"\(\s*{_N}\s+(?:in\s+)?(?:total|altogether|people|persons|pax)\b",
    rf"\b(?:we are|we're|we'll be|we will be|we'd be|we would be|there are|there will be|there'll be)\s+{_N}\b"
    rf"(?!\s*(?:days?|nights?|cities|-day|couples|families))",
    rf"\b(?:us|we)\s*\(\s*{_N}\b",
    rf"\b(?:we|us)\s+{_N}\b(?!\s*(?:days?|nights?|cities|-day|couples|families|of\b))",
    rf"\b(?:the\s+)?{_N}\s+of\s+us\b",
]


def _count(pattern: str, low: str) -> int | None:
    m = re.search(pattern, low)
    return int(m.group(1)) if m else None


def find_people(low: str) -> int:
    """The number of travellers (1 when nothing says otherwise)."""
    n = _find(low)
    if n < 1:
        raise SpecError(f"people must be at least 1 (got {n})")
    return n


def _find(low: str) -> int:
    # adults and children given apart: '3 adults and 2 children'
    m = re.search(rf"\b{_N}\s+adults?\s*(?:,|and|&|\+|plus|with)\s*{_N}\s+(?:kids?|children|child|teens?|minors?|infants?|"
                  rf"bab(?:y|ies)|toddlers?|teenagers?)\b", low)
    if m:
        return int(m.group(1)) + int(m.group(2))
    for pattern in TOTALS:
        m = re.search(pattern, low)
        n = int(m.group(1)) if m else None
        if n is not None and not (pattern.endswith(r"of\s+us\b") and n < 2):
            n = n + 1 if "plus_one" in pattern else n
            extra = re.match(rf"\s*(?:plus|\+|and also|along with)\s+(?:my\s+|our\s+|the\s+)?(?:{_N}\s+)?"
                             rf"(?:{RELATIONS}|{COMPANIONS}|parents|grandparents)\b", low[m.end():])
            if extra:
                n += int(extra.group(1)) if extra.group(1) else 2 if re.search(r"parents", extra.group(0)) else 1
            return n
    m = re.search(rf"\b(?:me|myself|i)\s*(?:and|&|\+|plus|with)\s+(?:my\s+)?{_N}\s+(?:other\s+)?"
                  rf"(?:{COMPANIONS}|people|persons?|adults?)\b"
                  rf"|\b(?:with|plus|along with|together with)\s+(?:my\s+|our\s+)?{_N}\s+(?:other\s+|best\s+|close\s+|good\s+|old\s+|"
                  rf"college\s+|work\s+)?{COMPANIONS}\b", low)
    if m:
        return max(int(m.group(1) or m.group(2)) + 1, _enumerated(low))
    m = re.search(rf"\b{_N}\s+(?:other\s+|of\s+(?:my|our)\s+)?(?:{ADJECTIVES}\s+)?{COMPANIONS}\s*(?:and|&|\+|plus)\s*"
                  rf"(?:i|me|myself)\b", low)
    if m:
        return max(int(m.group(1)) + 1, _enumerated(low))
    m = re.search(rf"\b{_N}\s+couples\b", low)
    if m:
        return 2 * int(m.group(1))
    m = re.search(rf"\b{_N}\s+(?:{ADJECTIVES}\s+)?{PERSON_NOUNS}\b", low)
    if m:
        return int(m.group(1))
    m = re.search(rf"\b(?:travell?ers|people|persons|pax|ppl|adults)\s+{_N}\b(?!\s*(?:days?|nights?|cities|city|-day|"
                  rf"usd|dollars?|bucks|k\b|grand|\$|[/.:,]\d))", low)
    if m and int(m.group(1)) < 100:
        return int(m.group(1))
    m = re.search(rf"\bfor\s+{_N}\b{_NOT_AFTER_FOR}", low)
    if m and int(m.group(1)) < 1000:
        return int(m.group(1))
    if re.search(SOLO, low):
        return 1
    if re.search(r"\b(?:a couple\b(?! of)|couple's|couples?\b(?! of)|a pair|duo|the 2 of us|2 of us|honeymoon|"
                 r"anniversary)", low):
        return 2
    enumerated = _enumerated(low)
    if enumerated:
        return enumerated
    if re.search(rf"\b{RELATIONS}\b[^.,;]{{0,12}}?\s(?:and|&)\s+(?:i|me|myself)\b|\b(?:i|me)\s+and\s+{RELATIONS}\b", low):
        return 2
    return 1


def _enumerated(low: str) -> int:
    """The writer plus the companions named: 'me, my wife and our 3 kids' -> 5; 0 when none."""
    writer = re.search(r"\b(?:i|me|myself|i'm|i'll|i'd|my)\b|\bwith\s+(?:a|my|our)\b", low) is not None
    others = 0
    for m in re.finditer(rf"\b(?:my|our|a|his|her)\s+(?:(\d+)\s+)?(?:little\s+|young\s+|two\s+)?({RELATIONS}|kids|children|"
                         rf"sons|daughters|friends|parents|grandparents)\b", low):
        count, noun = m.group(1), m.group(2)
        plural = noun in ("kids", "children", "sons", "daughters", "friends")
        if noun in ("parents", "grandparents"):
            others += 2
        elif plural:
            others += int(count) if count else 0
        else:
            others += 1
    for m in re.finditer(rf"\b(?:my|our)\s+{RELATIONS}\s*(?:,\s*|\s+and\s+|\s*&\s*)(?!my\b|our\b|a\b|his\b|her\b)({RELATIONS})\b",
                         low):
        others += 1 if m else 0  # 'my mom and dad': the second relation has no 'my' of its own
    for m in re.finditer(r"(?<!my )(?<!our )\b(?:and|&|plus|with)\s+(\d+)\s+(?:little\s+|young\s+|small\s+)?"
                         r"(?:kids|children|sons|daughters|friends|colleagues|grandchildren)\b", low):
        others += int(m.group(1))
    if not others:
        return 0
    return others + (1 if writer else 0)
