"""Which mentions of a request a negation governs, tense by tense.

A negation governs a mention in the same segment of a sentence (segments end at sentence
punctuation, commas, colons, and words that start a new clause such as 'but' or 'so'). It may
come before the mention ('we won't be flying', 'none of us drives', 'anything but a plane') or,
where the mention is the segment's subject, after it ('flying is out of the question',
'self-driving wasn't an option'). A segment made of a bare mention takes a negation from the
next sentence when that one points back at it ('Driving. That's one thing I won't do.').
A negated ban is a permission ('we can't stay anywhere that bans smoking'), and 'don't mind' or
'not against' lift a negation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NEGATION = re.compile(
    r"\bnot\b|n't\b|\bnever\b|\bno\b|\bnone\b|\bnobody\b|\bno one\b|\bneither\b|\bnor\b|\bwithout\b"
    r"|\bdont\b|\bdon t\b|\bwont\b|\bcant\b|\bcannot\b|\bcan not\b|\bunable\b|\brefus(?:e|es|ing)\b"
    r"|\bavoid(?:s|ing)?\b|\bhate(?:s)?\b|\bdislike(?:s)?\b|\b(?:afraid|scared|terrified|fearful) of\b|\bfear of\b"
    r"|\bskip(?:ping)?\b|\bexclud(?:e|es|ing)\b|\banything but\b|\banything except\b|\bexcept\b|\bzero\b|(?<![\d,.$])\b0\b(?![,.]\d)"
    r"|\bagainst\b|\bopposed to\b|\baverse to\b|\bstay away from\b|\bsteer clear of\b|\bstay off\b|\bkeep (?:us|me|them) (?:out of|off|away from)\b"
    r"|\bsteer (?:us|me) away from\b|\bnon-?(?=\w|$)")
# words that lift the negation before them: 'we don't mind flying', 'not against smoking'
LIFT = re.compile(r"\b(?:mind|minding|problem|problems|issue|issues|objection|objections|opposed|wait|"
                  r"object|care|only)\b|\bno\s+(?:preference|preferences|requirement|restriction)s?\b")
# words that make a negated phrase a permission: 'can't stay anywhere that bans smoking'
BAN = re.compile(r"\b(?:ban|bans|banned|banning|forbid|forbids|forbidden|forbidding|prohibit|prohibits|prohibited|"
                 r"prohibiting|restrict|restricts|restricted|disallow|disallows|disallowed)\b|\bno[\s-](?=\w+[\s-]rules?\b)"
                 r"|\brules?\s+against\b|\b(?:restrictions?|limits?|rules?)\s+(?:on|about|for|regarding)\b")
# after a mention that is its segment's subject: 'flying is out of the question'
AFTER = re.compile(r"^[\s,]*(?:(?:is|are|was|were|will be|would be|'s|'re|has been|have been)\s+)?"
                   r"(?:not\b|n't\b|never\b|out of the question|off the table|a no[\s-]?go|no[\s-]?go|"
                   r"(?:is|are|was|were|would be|will be|has been)n't\b|isn't|aren't|wasn't|weren't|won't|wouldn't|"
                   r"(?:a\s+)?(?:non[\s-]?starter|deal[\s-]?breaker)|not (?:an )?option|impossible|forbidden|ruled out|"
                   r"a no\b|no\b(?!\s+(?:more|longer|later|earlier|problem|issue)))")
CLAUSE_BREAK = re.compile(r"[.;!?:\n,()]|\s[-\u2013\u2014]\s|(?<!anything )(?<!nothing )(?<!all )\bbut\b|\b(?:however|though|although|whereas|so|since|because|"
                          r"then|while|yet|instead|plus|also)\b")
# 'and' opening a new verb phrase ends what a negation before it governs
COORDINATED = re.compile(r"\b(?:and|or)\s+(?:(?:also|still|must|should|would|will|can|could|to|that|which|we|they|it|"
                         r"definitely|really|please|ideally)\s+){0,3}(?:allow|allows|permit|permits|accept|accepts|welcome|"
                         r"welcomes|accommodate|accommodates|let|lets|want|wants|need|needs|prefer|prefers|like|love|"
                         r"are|is|be|have|has|offer|offers|include|includes|require|requires)\b")
# a new clause after 'and' with its own subject: 'we don't smoke and we bring our dog'
NEW_SUBJECT = re.compile(r"\b(?:and|or|but)\s+(?:we|i|they|he|she|it|you|our|my|don't|do not|doesn't|does not|won't|"
                         r"will|would|can't|cannot|never|also|have|has|are|aren't|is|isn't|need|want|that|which|who|"
                         r"should|shouldn't|must|mustn't|can|be|not|no)\b")
# what inverts an allowance: a negation, a ban, a verdict against the whole clause
INVERTERS = re.compile(
    NEGATION.pattern + r"|\b(?:disallowed|prohibited|forbidden|banned|restricted)\b|[\s-]free\b|\bturned away\b"
    r"|\bturn(?:s|ing)? (?:\w+ )?away\b|\bleav(?:e|es|ing) (?:\w+ )?(?:behind|at home)\b|\b(?:no[\s-]?go|deal[\s-]?breakers?|unacceptable|out of the question)\b"
    r"|\b(?:won't|will not|wouldn't|doesn't|does not|don't|do not) work\b|\bmind\b|\b(?:problem|issue|objection)s? with\b"
    r"|\b(?:bother|bothers|worry|worries|concern|concerns)\b"
    r"|\b(?:ban|bans|banning|forbid|forbids|forbidding|prohibit|prohibits|prohibiting|restrict|restricts|disallow|"
    r"disallows|restrictions?|limits?)\b")


def inversions(low: str, start: int, end: int) -> int:
    """How many times the clause of a mention inverts it ('visitors are not disallowed': 2; 'we
    have no pets': 1): an even count asks for what is mentioned."""
    left, right = segment_bounds(low, start, end)
    for m in list(COORDINATED.finditer(low, left, start)) + list(NEW_SUBJECT.finditer(low, left, start)):
        left = max(left, m.start())
    for m in list(COORDINATED.finditer(low, end, right)) + list(NEW_SUBJECT.finditer(low, end, right)):
        right = min(right, m.start())
    count = 0
    before, after = low[left:start], low[end:right]
    for part in (before, after):
        for m in INVERTERS.finditer(part):
            if re.fullmatch(r"non-?", m.group(0).strip()) and not (part is before and m.end() == len(part)):
                continue  # 'non' counts only as the mention's own prefix ('non-smokers')
            count += 1
    return count


POINTS_BACK = re.compile(r"^\s*(?:that|this|it)\b")


@dataclass(frozen=True)
class Scope:
    """A mention's segment and what governs it."""

    negated: bool
    permission: bool = False  # a negated ban ('no rule against pets')


def segment_bounds(low: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the clause segment holding [start, end)."""
    left = 0
    for m in CLAUSE_BREAK.finditer(low, 0, start):
        if m.group(0) == "." and _abbreviation(low, m.start()):
            continue
        left = m.end()
    right = len(low)
    for m in CLAUSE_BREAK.finditer(low, end):
        if m.group(0) == "." and _abbreviation(low, m.start()):
            continue
        right = m.start()
        break
    return left, right


def _abbreviation(low: str, dot: int) -> bool:
    """A dot that ends 'st.', 'ft.', 'mt.', 'd.c', 'a.m', or sits inside a number."""
    before = low[max(0, dot - 4): dot]
    return bool(re.search(r"(?:\bst|\bft|\bmt|\bdr|\bmr|\bmrs|\bms|\bjr|\bd|\bc|\ba|\bp|\bvs|\bno)$", before)) or (
        dot + 1 < len(low) and low[dot + 1].isdigit() and dot > 0 and low[dot - 1].isdigit())


def scope(low: str, start: int, end: int, window: int = 60) -> Scope:
    """Whether a negation governs the mention at [start, end) of the lower-cased text."""
    left, right = segment_bounds(low, start, end)
    before = low[max(left, start - window): start]
    negs = list(NEGATION.finditer(before))
    if negs and negs[-1].group(0) == "no" and re.match(r"[\s-]+$", before[negs[-1].end():]) \
            and re.match(r"[\s-]*(?:rules?|polic(?:y|ies))\b", low[end:end + 12]):
        # 'a no-pets rule': a ban named; a negation before it makes a permission
        return Scope(False, permission=len(negs) > 1 and not LIFT.search(before[negs[-2].end():negs[-1].start()]))
    if negs and re.fullmatch(r"non-?", negs[-1].group(0).strip()) and before[negs[-1].end():].strip():
        negs = negs[:-1]  # 'non-stop flights': 'non' belongs to the word after it
    if negs:
        last = negs[-1]
        between = before[last.end():]
        head = before[max(0, last.start() - 12): last.end()]
        if re.search(r"\bnothing\s+(?:but|except)\b", before) or re.search(
                r"(?:n't|\bnot\b|\bnever\b|\bonly\b)[^,.;]*\banything\s+(?:but|except)\b", before):
            return Scope(False)  # "we don't eat anything but Indian": only Indian
        if BAN.search(between):
            return Scope(False, permission=True)
        if COORDINATED.search(between):
            return Scope(False)  # 'not shared rooms and allow parties': the negation stays with its own verb
        lifted = LIFT.search(between) or re.search(
            r"\bnot\s+(?:against|opposed)\b|\bno\s+(?:problem|issue|objection)s?\b|\bdon'?t\s+mind\b|\bcan'?t\s+wait\b",
            head + between)
        if not lifted:
            return Scope(True)
    subject = len(re.findall(r"\w+", low[left:start])) <= 3
    after = low[end:right]
    if subject and (AFTER.match(after) or _negating_rest(after)):
        return Scope(True)
    if subject and not low[left:start].strip(" \"'*-"):
        # a bare mention answered after it: 'Airplanes: no way.', 'Self-driving? Nope.',
        # 'Driving. That's one thing I won't do.'
        if not after.strip(" ?!.:\"'"):
            nxt = low[right + 1: right + 120] if right < len(low) else ""
            sentence = re.split(r"[.!?\n;]", nxt, maxsplit=1)[0]
            answered = right < len(low) and low[right] in ":?" or re.match(r"\s*[?:]", after) is not None
            if answered and re.match(r"\s*(?:no\b|nope\b|never\b|not\b|none\b|n/a\b|absolutely not|no way|nah\b)", nxt) or (
                    POINTS_BACK.match(nxt) and NEGATION.search(sentence)):
                return Scope(True)
    return Scope(False)


_NOT_BOTHERED = re.compile(r"\b(?:bother|bothers|matter|matters|worry|worries|mind|problem|issue|concern)\b")


def _negating_rest(after: str) -> bool:
    """A negation later in the segment of a mention that is its subject ('flights are something we
    avoid'), unless it says the mention does not matter ('flying doesn't bother us')."""
    m = next((x for x in NEGATION.finditer(after)
              if not re.fullmatch(r"no|without|none|nobody|no one|zero|0|except|against|non-?", x.group(0).strip())), None)
    return m is not None and not _NOT_BOTHERED.search(after[m.start():]) and not re.match(
        r"\s*(?:more|less|longer|later|earlier)\b", after[m.end():])
