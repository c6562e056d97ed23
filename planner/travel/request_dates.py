"""Trip dates and lengths as people write them.

Month names ('March 16th to March 18th', '16-18 March 2022', 'Mar. 3 through 5', 'the 8th through
the 10th of March'), bare ordinals that take the month of a neighbour ('March 26th ... back the
28th'), numeric dates (ISO '2022-03-16', '2022/03/16', US '3/16/2022', day-first '16/03/2022' when
a day is over 12 or the text writes '16.03.2022'), and lengths ('3 days', 'a week', 'week-long').
A missing year is the year named elsewhere in the text, else the default year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from planner.travel.spec import SpecError

MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
MONTH = (r"\b(january|february|march|april|may|june|july|august|september|october|november|december|"
         r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?![a-z])\.?")
DAY = r"(\d{1,2})(?:st|nd|rd|th)?(?!\d|:|\s*(?:days?|nights?|cities|people|persons|adults|%))"
CONNECT = r"\s*(?:-|to|through|thru|till|until|and|up to)\s*(?:the\s+)?"
YEAR_TAIL = r"(?:,?\s*(?:of\s+)?(\d{4}))?"


@dataclass(frozen=True)
class _Token:
    pos: int
    month: int | None
    day: int
    year: int | None = None
    end: int = -1  # where the written date ends (for 'March 16th to March 18th')
    ranged: bool = False  # one end of a range written as such ('16-18 March', '3/16/2022-3/18/2022')


PAST = re.compile(r"\b(?:last (?:year|time|month|summer|winter|spring|fall|trip)|previous(?:ly)?|years? ago|"
                  r"months? ago|we spent|i spent|used to)\b")


def _clean(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", " - ").replace("\u2192", " to ").replace("\u279d", " to ")
    return re.sub(r"\s*(?:->|=>)\s*", " to ", text).lower()


ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30,
}
_ORD = r"(?:(twenty|thirty)[\s-]+)?(" + "|".join(ORDINALS) + r")"


def _ordinal_digits(low: str) -> str:
    """'March sixteenth' -> 'March 16th', only next to a month name or another such ordinal."""

    def repl(m: re.Match) -> str:
        tens = {"twenty": 20, "thirty": 30}.get(m.group(1) or "", 0)
        return f"{tens + ORDINALS[m.group(2)]}th"

    near_month = re.compile(MONTH + r"\s*(?:the\s+)?" + _ORD + r"\b|\b(?:the\s+)?" + _ORD + r"\s*(?:of\s+)?" + MONTH
                            + r"|\b" + _ORD + CONNECT + _ORD + r"\b|\b\d{1,2}(?:st|nd|rd|th)" + CONNECT + _ORD + r"\b")
    for _ in range(3):  # a second pass reaches 'to eighteenth' once 'sixteenth' is '16th'
        if not near_month.search(low):
            break
        low = near_month.sub(lambda m: re.sub(r"\b" + _ORD + r"\b", repl, m.group(0)), low)
    return low


def find_dates(text: str, default_year: int) -> tuple[dt.date | None, dt.date | None]:
    """(start, end) of the trip as written; either may be None."""
    low = _ordinal_digits(_clean(text))
    tokens: list[_Token] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    def claim(m: re.Match, *toks: _Token) -> None:
        taken.append(m.span())
        ranged = len(toks) == 2
        tokens.extend(_Token(t.pos, t.month, t.day, t.year, m.end(), ranged) for t in toks)

    # numeric dates; day-first when any date of the text must be day-first
    for m in re.finditer(r"\b(\d{4})([-/.])(\d{1,2})\2(\d{1,2})\b(?![/.]\d)", low):
        claim(m, _Token(m.start(), int(m.group(3)), int(m.group(4)), int(m.group(1))))
    numeric = [m for m in re.finditer(r"(?<![/\d.])(\d{1,2})(?:\s*-\s*(\d{1,2}))?([/.])(\d{1,2})\3(\d{4}|\d{2})\b", low)
               if free(m)]
    day_first = any(m.group(3) == "." or int(m.group(1)) > 12 for m in numeric)
    for m in numeric:
        a, b = int(m.group(1)), int(m.group(4))
        year = int(m.group(5)) + (2000 if len(m.group(5)) == 2 else 0)
        month, day = (b, a) if day_first or m.group(2) else (a, b)
        if month > 12 >= day and not m.group(2):  # '03.16.2022': only one reading is a date
            month, day = day, month
        toks = [_Token(m.start(), month, day, year)]
        if m.group(2):  # '22-26/03/2022'
            toks.append(_Token(m.start() + 1, month, int(m.group(2)), year))
        claim(m, *toks)
    for m in re.finditer(r"(?<![\d/.-])(\d{1,2})-(\d{1,2})-(\d{4})\b", low):  # US '3-16-2022'
        if free(m):
            a, b = int(m.group(1)), int(m.group(2))
            month, day = (b, a) if day_first or a > 12 else (a, b)
            claim(m, _Token(m.start(), month, day, int(m.group(3))))
    # '16 Mar 22', "Mar 10 '22": a two-digit year after a day and a month
    for m in re.finditer(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + MONTH + r",?\s+'?(1[5-9]|2\d|3[0-5])\b(?!\s*(?:days?|people|:))", low):
        if free(m):
            claim(m, _Token(m.start(), MONTHS[m.group(2).rstrip(".")], int(m.group(1)), 2000 + int(m.group(3))))
    # month/day without a year ('3/3 to 3/5 in 2022'), read like the full numeric dates of the text
    for m in re.finditer(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?![\d/]|\.\d)", low):
        if free(m):
            a, b = int(m.group(1)), int(m.group(2))
            month, day = (b, a) if day_first or a > 12 else (a, b)
            claim(m, _Token(m.start(), month, day))
    # ranges inside one month: 'March 16-18', 'March 16th to 18th', '16-18 March', 'the 8th to the 10th of March'
    for m in re.finditer(MONTH + r"\s*(?:the\s+)?" + DAY + CONNECT + DAY + r"(?!\s*[/.]?\s*" + MONTH[2:] + ")",
                         low):
        if free(m):
            month = MONTHS[m.group(1).rstrip(".")]
            claim(m, _Token(m.start(), month, int(m.group(2))), _Token(m.start() + 1, month, int(m.group(3))))
    for m in re.finditer(r"(?:\bthe\s+)?\b" + DAY + CONNECT + DAY + r"\s*(?:of\s+)?" + MONTH, low):
        if free(m):
            month = MONTHS[m.group(3).rstrip(".")]
            claim(m, _Token(m.start(), month, int(m.group(1))), _Token(m.start() + 1, month, int(m.group(2))))
    # single days with a month
    for m in re.finditer(MONTH + r"\s*(?:the\s+)?" + DAY + r"\b", low):
        if free(m):
            claim(m, _Token(m.start(), MONTHS[m.group(1).rstrip(".")], int(m.group(2))))
    for m in re.finditer(r"(?:\bthe\s+)?\b" + DAY + r"\s*(?:of\s+)?" + MONTH, low):
        if free(m):
            claim(m, _Token(m.start(), MONTHS[m.group(2).rstrip(".")], int(m.group(1))))
    # bare ordinals ('back on the 28th'); they take the month of the nearest dated neighbour
    for m in re.finditer(r"\b(\d{1,2})(?:st|nd|rd|th)\b", low):
        if free(m):
            claim(m, _Token(m.start(), None, int(m.group(1))))
    if not tokens:
        return None, None
    tokens.sort(key=lambda t: t.pos)
    tokens = _trip_range(tokens, low)
    year = next(iter(year_candidates(low)), None)
    year = year or next((t.year for t in tokens if t.year), None) or default_year
    filled: list[tuple[int, int, int]] = []
    for i, t in enumerate(tokens):
        month = t.month
        if month is None:
            near = [u for u in tokens[i + 1:] + tokens[:i][::-1] if u.month is not None]
            named = re.search(MONTH + r"(?!\s*\d{1,2}(?!\d))", low)
            if near:
                month = near[0].month
            elif named:  # 'in March 2022, from the 16th to the 18th'
                month = MONTHS[named.group(1).rstrip(".")]
            else:
                continue
        filled.append((t.year or year, month, t.day))
    if not filled:
        return None, None
    start = make_date(*filled[0])
    end = make_date(*filled[1]) if len(filled) > 1 else None
    if end is not None and end < start and filled[1][1] < filled[0][1] and not tokens[1].year:
        end = make_date(filled[1][0] + 1, filled[1][1], filled[1][2])
    return start, end


_MONEY_AFTER = re.compile(r"\s*(?:k\b|grand\b|dollars?\b|usd\b|bucks\b|\$|total\b|in total\b|all[\s-]in\b|budget\b|"
                          r"max(?:imum)?\b|for (?:the )?(?:\d+|both|all|me|us|everyone)\b|,\d{3}\b)")
_MONEY_BEFORE = re.compile(r"(?:\$|usd|budget(?: of| is|:)?|spend|max(?:imum)?|up to|under|total(?: of)?|cap(?: of)?)\s*$")


def year_candidates(low: str) -> list[int]:
    """Four-digit numbers that read as years: not an amount of money ('$2000', '2000 dollars',
    '2100 total', 'budget of 2000')."""
    out = []
    for m in re.finditer(r"(?<![\d/.\-$,])(20\d{2}|19\d{2})(?![\d/.\-])", low):
        if _MONEY_AFTER.match(low, m.end()) or _MONEY_BEFORE.search(low[max(0, m.start() - 20): m.start()]):
            continue
        out.append(int(m.group(1)))
    return out


def _trip_range(tokens: list[_Token], low: str) -> list[_Token]:
    """The trip's dates first: a range written as one ('16-18 March', 'March 16th to March 18th')
    wins over a lone date mentioned before it ('I turn 30 on March 18! ... March 17-19')."""
    for i, t in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        linked = t.ranged and nxt.ranged and t.end == nxt.end
        linked = linked or re.fullmatch(r",?\s*(?:\d{4})?,?\s*(?:-|to|through|thru|till|until|and|up to|"
                                        r"(?:and )?(?:return(?:ing)?|back|home|coming back)(?: on)?(?: the)?)\s*(?:the\s+)?"
                                        r"(?:on\s+)?", low[t.end:nxt.pos]) is not None
        if linked:
            return tokens[i:]
    return tokens


def make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise SpecError(f"impossible date: {year}-{month:02d}-{day:02d} does not exist") from None


def find_days(low: str) -> int | None:
    """The trip length in days when the text says it ('5 days', '3-day', 'a week', 'week-long')."""
    low = " ".join(s for s in re.split(r"(?<=[.!?])\s+", low) if not PAST.search(s))
    m = (re.search(r"(?<![\w/.-])(-?\d+)[\s-]*days?\b", low)
         or re.search(r"\b(?:days|duration|length|trip length)\s*[:=\-\u2013]\s*(\d+)\b(?![/.\-]\d)", low)
         or re.search(r"(?<![\w/.-])(\d{1,2})d\b", low))
    if m:
        n = int(m.group(1))
        if n < 1:
            raise SpecError(f"days must be at least 1 (got {n})")
        if n > 30:  # checked here: building the dates of a huge span would overflow
            raise SpecError(f"days must be at most 30 (got {n})")
        return n
    m = re.search(r"\b(?:(a|one|1|2|3)[\s-]+)?weeks?[\s-]*long\b|\b(a|one|1|2|3|for a|over a)[\s-]+weeks?\b(?!end)"
                  r"|\bweek-long\b", low)
    if m:
        word = (m.group(1) or m.group(2) or "1").split()[-1]
        return 7 * (int(word) if word.isdigit() else 1)
    return None
