"""Turn coqtop's ``Show.`` output into a stable pretty-printed goal state.

coqtop prints ``2 goals (ID 8)``, the first goal with its hypotheses (indented by two
spaces) and the others as ``goal 2 (ID 12) is:`` plus their conclusion. The ``(ID n)`` tags
change from run to run and the labels renumber, so both are dropped, as is the count header
(it becomes ``num_goals``). Goals are separated by a blank line, as in LeanDojo states. A finished proof
is ``no goals`` (LeanDojo's spelling).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

NO_GOALS = "no goals"

_HEADER = re.compile(r"^(\d+) goals?(?: \(ID \d+\))?\s*$", re.M)
_ID_TAG = re.compile(r" \(ID \d+\)")
_INFOMSG = re.compile(r"</?infomsg>")


@dataclass(frozen=True)
class Goals:
    """A parsed state: ``text`` for models and logs, ``num_goals`` including unfocused ones."""

    text: str
    num_goals: int
    finished: bool
    note: str = ""


def parse_show(output: str) -> Goals:
    """Parse the reply to ``Show.`` (``output`` without the prompt)."""
    raw = output.replace("\r\n", "\n")
    stripped = raw.strip()
    if stripped == "No more goals.":
        return Goals(NO_GOALS, 0, True)
    note = ""
    m_info = re.search(r"<infomsg>(.*?)</infomsg>", raw, re.S)
    if m_info:
        note = " ".join(m_info.group(1).split())
        raw = raw[: m_info.start()] + raw[m_info.end() :]
    raw = _INFOMSG.sub("", raw)
    m = _HEADER.search(raw)
    if not m:
        text = _ID_TAG.sub("", raw).strip()
        if text.startswith("No more goals"):
            # e.g. "No more goals, but there are some goals you gave up" — not a finished proof.
            return Goals(text, 0, False, note)
        return Goals(text, 0, False, note)
    count = int(m.group(1))
    body = raw[m.end() :].lstrip("\n")
    first, sep, rest = ("\n" + body).partition("\ngoal ")
    first_text = textwrap.dedent(first.strip("\n")).strip()
    parts = [first_text] if first_text else []
    if sep:
        # The other goals: "goal N (ID k) is:" then the conclusion; keep only the conclusion
        # (the label renumbers as goals close, which would make equal goals look different).
        for chunk in re.split(r"\n\s*\n(?=goal \d+)", "goal " + rest):
            label, _, concl = chunk.partition("\n")
            parts.append(textwrap.dedent(concl.strip("\n")).strip())
    text = "\n\n".join(parts)
    if note:
        text = f"{note}\n\n{text}" if text else note
    return Goals(_ID_TAG.sub("", text), count, False, note)
