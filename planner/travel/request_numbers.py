"""Numbers and money as people write them: 'seventeen hundred', 'twenty-five', '$1.4k', '900 bucks'.

`spell_out_numbers` rewrites number words as digits ("twelve thousand five hundred dollars" ->
"12500 dollars"), so the other readers match digits only. `find_budget` picks the amount of money
a request names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from planner.travel.spec import SpecError

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
_WORD = "|".join([*UNITS, *TENS, *SCALES])
# a run of number words joined by spaces, hyphens or 'and' ('eight hundred and fifty')
_ORDINAL_WORDS = (r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                  r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth")
# a tens word before an ordinal ('twenty-fifth') is part of the ordinal, read by the date reader
_RUN = re.compile(rf"\b(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*\b(?![\s-]+(?:{_ORDINAL_WORDS})\b)", re.I)
_TENS_ALT = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS_ALT = "one|two|three|four|five|six|seven|eight|nine"
_TEENS_ALT = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"


def words_to_number(words: str) -> int | None:
    """'seventeen hundred' -> 1700, 'one thousand six hundred' -> 1600; None if not a number."""
    total, current = 0, 0
    seen = False
    for token in re.split(r"[\s-]+", words.lower()):
        if token == "and":
            continue
        if token in UNITS:
            current += UNITS[token]
        elif token in TENS:
            current += TENS[token]
        elif token == "hundred":
            current = (current or 1) * 100
        elif token == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def spell_out_numbers(text: str) -> str:
    """Replace each run of number words with its digits; a lone scale word ('hundred') stays."""

    def repl(m: re.Match) -> str:
        run = m.group(0)
        if run.lower() in SCALES:
            return run
        # 'and' joins one number only after a scale ('eight hundred and fifty'), not 'two and three'
        parts = re.split(r"(?<!hundred)(?<!thousand)(\s+and\s+)", run, flags=re.I)
        out = []
        for part in parts:
            value = None if re.fullmatch(r"\s+and\s+", part, re.I) else words_to_number(part)
            out.append(str(value) if value is not None else part)
        return "".join(out)

    text = re.sub(r"\ba\s+(?=(?:hundred|thousand)\b)", "one ", text, flags=re.I)
    text = _YEAR_WORDS.sub(lambda m: str(2000 + (words_to_number(m.group(1)) or 0)), text)
    return _RUN.sub(repl, text)


_TEENS_TENS = "|".join([*list(UNITS)[10:], *TENS])
# 'twenty twenty-two' (a year said as two numbers)
_YEAR_WORDS = re.compile(rf"\btwenty[\s-]+((?:{_TENS_ALT})(?:[\s-]+(?:{_UNITS_ALT}))?|(?:{_TEENS_ALT}))\b", re.I)


@dataclass(frozen=True)
class Amount:
    value: int
    start: int
    marked: bool  # a currency sign or word, or a thousands suffix, says it is money
    end: int = 0


_MONEY_WORDS = r"(?:dollars?|usd|bucks|us\s?dollars?)"
_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\s\d{3})+(?=\s*(?:usd|dollars?|\$))|\d+(?:\.\d+)?)"
_SUFFIX = r"(?:\s*(k|grand|thousand)\b)?"
_AMOUNT = re.compile(
    r"(?P<neg>(?<![\w-])-(?=\$|\d)|\bnegative\s+|\bminus\s+)?(?P<pre>(?:us)?\$|usd\s*|£|€)?\s*(?P<neg2>-\s*)?" + _NUMBER + _SUFFIX
    + rf"(?P<post>\s?\$(?!\s*\d)|[\s-]*{_MONEY_WORDS}\b)?",
    re.I,
)
_BUDGET_CUE = re.compile(r"\b(?:budget|budjet|bugdet|buget|spend|spending|afford|max|maximum|up to|ceiling|cap|"
                         r"limit|money|expenditure|cost(?:ing)?|under|no more than|not more than|total|allotted|"
                         r"got|have)\b", re.I)
_NOT_MONEY_AFTER = re.compile(r"\s*(?:-?\s*(?:days?|nights?|cities|city|people|persons?|adults?|travell?ers?|"
                              r"pax|ppl|of us|guests|weeks?|years?|kids|children|stars?|hours?|%|am|pm|"
                              r"st|nd|rd|th)\b|[/.:]\d)", re.I)


_PER_UNIT = re.compile(r"\s*(?:each|apiece|per (?:person|head|night|day|ticket|flight|meal|room)|a (?:head|night|day|"
                       r"person|ticket)|/\s*(?:night|day|person|pp))\b", re.I)


def _amounts(text: str) -> list[Amount]:
    out = []
    for m in _AMOUNT.finditer(text):
        number = m.group(4)
        suffix = (m.group(5) or "").lower()
        marked = bool(m.group("pre") or m.group("post") or suffix in ("k", "grand"))
        if not marked and _NOT_MONEY_AFTER.match(text, m.end()):
            continue
        if _PER_UNIT.match(text, m.end()):
            continue  # '300 dollars each', '$120 a night': a price, not the trip's budget
        if not marked and re.match(r"\s*[/\-.]\s*\d", text[m.end():]) or re.search(r"\d[/.\-]\s*$", text[:m.start(4)]):
            continue  # part of a date such as 3/16/2022 or 16-18
        try:
            value = float(number.replace(",", "").replace(" ", ""))
        except ValueError:
            continue
        if suffix in ("k", "grand", "thousand"):
            value *= 1000
        if value == float("inf"):
            raise SpecError(f"budget is too large to use (a {len(number)}-digit number)")
        if m.group("neg") or (m.group("neg2") and m.group("pre")):
            raise SpecError(f"budget must be positive (got -{number})")
        out.append(Amount(int(round(value)), m.start(), marked or suffix == "thousand", m.end()))
    return out


_AMOUNT_ROLE = re.compile(r"\s*(?:total\b|in total\b|all[\s-]in\b|overall\b|budget\b|max(?:imum)?\b|tops\b|"
                          r"for (?:the )?(?:\d+|both|all)\s+(?:of us|people|persons|travell?ers|adults|guests)\b|"
                          r"for (?:me|us|everyone|everybody|both of us|all of us|the (?:\d+|both|all) of us)\b)", re.I)


def _standalone(text: str, a: Amount) -> bool:
    """A bare amount that is a whole item of a terse list ('Mar 8 2022. solo. 1100.'), not a year."""
    before, after = text[:a.start], text[a.end:]
    return (a.value >= 100 and not 1900 <= a.value < 2100
            and re.search(r"(?:^|[.;,|]\s*)$", before) is not None and re.match(r"\s*(?:[.;,|]|$)", after) is not None)


def find_budget(text: str) -> int | None:
    """The budget in US dollars: a marked amount ($, USD, dollars, bucks, k, grand) near a budget word,
    else the first marked amount, else a bare number right after a budget word; None if none."""
    amounts = _amounts(text)
    cues = [m.end() for m in _BUDGET_CUE.finditer(text)]

    def near_cue(a: Amount) -> bool:
        return any(0 <= a.start - c <= 25 for c in cues)

    marked = [a for a in amounts if a.marked]
    grouped = [a for a in amounts if a.value >= 1000 and re.match(r"\d{1,3},\d{3}", text[a.start:].lstrip("-$ "))]
    def money_after(a: Amount) -> bool:  # '2100 total', '1800 for the two of us'
        return bool(_AMOUNT_ROLE.match(text, a.end)) and a.value >= 50

    for group in ([a for a in marked if near_cue(a)], marked,
                  [a for a in amounts if near_cue(a) and a.value >= 50], grouped,
                  [a for a in amounts if money_after(a)], [a for a in amounts if _standalone(text, a)]):
        if group:
            value = group[0].value
            if value <= 0:
                raise SpecError(f"budget must be positive (got {value})")
            return value
    return None
