"""Outputs read from a description, for formats that declare none (OpenAI and Anthropic tools,
MCP tools without ``outputSchema``): "Find the ISBN and publisher of a book from its title"
yields ``isbn`` and ``publisher``. The object of the description's first retrieval verb is cut
at its first preposition and split at commas and "and"; each item, without articles and
possessives, becomes one output. Every such output is marked ``inferred``.
"""

from __future__ import annotations

import re

from planner.api.function_spec import ParamSpec

VERBS = (r"(?:find|finds|get|gets|return|returns|retrieve|retrieves|look\s+up|looks\s+up|fetch|fetches|"
         r"give|gives|show|shows|list|lists|provide|provides|obtain|obtains|calculate|calculates|"
         r"compute|computes|check|checks|search\s+for|searches\s+for|tell|tells|lookup|read|reads|"
         r"create|creates|book|books|generate|generates|convert|converts|translate|translates)")
STOP = (r"\b(?:of|for|from|by|in|on|at|given|using|with|based|about|into|to|that|which|when|where|"
        r"if|as|via|between|within|under|over)\b|[.;:()]")
OBJECT_RE = re.compile(rf"\b{VERBS}\b\s+(?P<obj>.+?)(?:\s+(?:{STOP})|[.;:()]|$)", re.IGNORECASE)
DROP = {"the", "a", "an", "its", "their", "his", "her", "my", "your", "our", "all", "any", "some",
        "current", "given", "specified", "list", "details", "information", "info", "data", "me", "us"}
MAX_WORDS = 3


def _ident(words: list[str]) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", " ".join(words).lower()))


def infer_outputs(description: str, name: str = "") -> dict[str, ParamSpec]:
    """Output fields named by ``description`` (see the module docstring); a single ``result``
    when it names none."""
    m = OBJECT_RE.search(description)
    items: list[str] = []
    if m:
        for piece in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s+or\s+", m.group("obj")):
            piece = re.sub(r"\b[\w-]+['’]s?(?=\s)", " ", piece)  # "the user's name": the name
            words = [w for w in re.findall(r"[A-Za-z0-9][\w-]*", piece) if w.lower() not in DROP]
            if words and len(words) <= MAX_WORDS:
                item = _ident(words)
                if item and item not in items:
                    items.append(item)
    if not items:
        return {"result": ParamSpec(type="string", description=description or name, inferred=True)}
    return {item: ParamSpec(type="string", description=f"{item.replace('_', ' ')} ({description})", inferred=True)
            for item in items}
