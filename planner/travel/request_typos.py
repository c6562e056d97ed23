"""Misspelt request words read as the travel word meant ('privte rooms', 'no flihgts', 'Marhc 15').

A word is a typo only when the English dictionary of pyspellchecker (offline) does not know it,
so real words stay as written ('fights', 'diving', 'form'); it is then replaced by the closest word
of the travel vocabulary below, if one is close enough. Place names are not corrected here: an
unknown city is reported with the closest known ones. A month name written wrong is corrected
where a day number follows it ('Mach 20-22'), since 'mach' is an English word.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

VOCABULARY = (
    "january february march april june july august september october november december "
    "trip travel plan planning starting start from budget dollars bucks total people persons person travelers "
    "travellers traveler traveller adults children kids family friends private entire shared sharing share room "
    "rooms home house apartment accommodation accommodations smoking smoke smokers parties party visitors guests "
    "pets pet friendly allowed welcome under flights flight flying fly planes plane airplane driving drive "
    "self-driving car cuisine food restaurants chinese american italian mexican indian mediterranean french "
    "cities city days week please budget maximum spend"
).split()
MONTH_WORDS = VOCABULARY[:11] + ["may"]
UNITS = ("day", "days", "week", "weeks", "night", "nights")


@dataclass(frozen=True)
class Correction:
    written: str
    read_as: str


@functools.lru_cache(maxsize=1)
def _dictionary():
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


def _closest(word: str, choices: list[str], cutoff: float) -> str | None:
    best = difflib.get_close_matches(word, choices, n=2, cutoff=cutoff)
    if not best:
        return None
    if len(best) > 1 and difflib.SequenceMatcher(None, word, best[0]).ratio() == \
            difflib.SequenceMatcher(None, word, best[1]).ratio():
        return None  # two words as close: no guess
    return best[0]


def correct_typos(text: str, protected: set[str] | None = None) -> tuple[str, list[Correction]]:
    """The text with misspelt travel words replaced, and what was replaced."""
    protected = protected or set()
    tokens = {m.group(0) for m in re.finditer(r"[A-Za-z]{4,}", text)}
    candidates = {t for t in tokens if t.lower() not in VOCABULARY and t.lower() not in protected}
    unknown = _dictionary().unknown([t.lower() for t in candidates]) if candidates else set()
    fixes: dict[str, str] = {}
    for t in candidates:
        low = t.lower()
        if low in unknown:
            target = _closest(low, VOCABULARY, 0.8)
            if target is not None:
                fixes[t] = target
    # a month written wrong before a day number: 'Mach 20', 'Apirl 1-3'
    for m in re.finditer(r"\b([A-Za-z]{3,9})\.?\s+(?=\d{1,2}(?:st|nd|rd|th)?\b)", text):
        word = m.group(1)
        low = word.lower()
        if low in MONTH_WORDS or low[:3] in [w[:3] for w in MONTH_WORDS] and len(low) <= 4 or low in protected:
            continue
        target = _closest(low, MONTH_WORDS, 0.75)
        if target is not None:
            fixes[word] = target
    # a unit with two letters swapped after a number ('5-dya trip')
    for m in re.finditer(r"(?<=\d)[\s-]?([A-Za-z]{3,5})\b", text):
        word = m.group(1).lower()
        target = next((u for u in UNITS if sorted(u) == sorted(word) and u != word), None)
        if target is not None and word not in protected and word in _dictionary().unknown([word]):
            fixes[m.group(1)] = target
    if not fixes:
        return text, []
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(fixes, key=len, reverse=True)) + r")\b")
    out = pattern.sub(lambda m: fixes[m.group(1)], text)
    return out, [Correction(w, fixes[w]) for w in sorted(fixes)]
