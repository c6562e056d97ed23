"""Helpers shared by the constraint modules (times, ratings and city lists in text)."""

from __future__ import annotations

import re

_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"


def parse_clock(text: str) -> int | None:
    """'9am' / '21:30' / '8 pm' -> minutes after midnight."""
    m = re.fullmatch(r"\s*" + _TIME + r"\s*", text.lower())
    if not m:
        return None
    h, mins, ampm = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").replace(".", "")
    if ampm == "pm" and h < 12:
        h += 12
    if ampm == "am" and h == 12:
        h = 0
    if h > 23 or mins > 59:
        return None
    return h * 60 + mins


def find_clock(pattern: str, text: str) -> int | None:
    """The clock time after a cue pattern, e.g. find_clock(r'depart(?:ing)? after', text)."""
    m = re.search(pattern + r"\s+" + _TIME + r"(?![\d:])", text, re.I)
    if not m:
        return None
    return parse_clock(m.group(0)[m.start(1) - m.start(0):])


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def validate_clock(value) -> int:
    if isinstance(value, str):
        parsed = parse_clock(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not a clock time (HH:MM)")
        return parsed
    if isinstance(value, (int, float)) and 0 <= value < 24 * 60:
        return int(value)
    raise ValueError(f"{value!r} is not a clock time (HH:MM or minutes after midnight)")


def validate_rating(value, name: str) -> float:
    if not isinstance(value, (int, float)) or not 0 <= value <= 5:
        raise ValueError(f"{name} takes a number from 0 to 5")
    return float(value)


CLAUSE_END = (r"[.;!?]|\bbut\b|\bwhile\b|\bavoid|\bskip|\bexcept\b|\bexcluding\b|\bnot\b|\bmust\b|"
              r"\bvisit|\binclud")


def cities_after(cue: str, text: str, known: set[str]) -> list[str]:
    """Known city names in the clause that follows a cue ('must visit Dallas and Austin')."""
    out = []
    for m in re.finditer(cue, text, re.I):
        clause = re.split(CLAUSE_END, text[m.end():], maxsplit=1, flags=re.I)[0]
        for name in sorted(known, key=len, reverse=True):
            if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", clause) and name not in out:
                if not any(name in o for o in out):
                    out.append(name)
    return out


def validate_city_list(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError("expected a non-empty list of city names")
    return list(dict.fromkeys(value))
