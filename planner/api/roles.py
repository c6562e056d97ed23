"""Roles, not just types: whether a value the user gave fits an input's role.

An input's *role words* are the content words of its name and description beyond its value
class ("birthDate: The patient's date of birth" -> {patient, birth}; "date: Day of the
appointment" -> {appointment}). A value's *context* is the few words written around it in the
request ("born 1990-02-01" -> {born}, read as "birth"). A value fits a role when its context
names the role, or when the role is generic (no role words). Used by the cue-free translator
(one date never silently fills two roles) and by the catalog planner (a subtype's value fills a
supertype input only when its type's own words fit the input).
"""

from __future__ import annotations

import re
from functools import lru_cache

from planner.api.catalog import ApiSpec, Catalog, TypeSpec
from planner.api.request import ApiRequest

# Words that say what kind of value an input takes, not which one.
GENERIC = frozenset("""a an the of for to in on at by and or is be as it its this that which when what
date dates day days time datetime timestamp format formatted yyyy mm dd hh iso string value values
given specified optional required e g ie example default number name text id identifier code""".split())
# A few spellings of one role ("born" is a birth date; "leaving" a departure).
SYNONYMS = {
    "born": "birth", "birthday": "birth", "dob": "birth", "birthdate": "birth",
    "departing": "depart", "departure": "depart", "departs": "depart",
    "returning": "return", "back": "return",
    "arriving": "arrival", "arrive": "arrival",
    "checkin": "check_in", "checkout": "check_out",
    "appointment": "appoint", "appointments": "appoint", "visit": "appoint",
    "starting": "start", "starts": "start", "begin": "start", "beginning": "start", "from": "start",
    "ending": "end", "ends": "end", "until": "end", "till": "end",
}
WORD_RE = re.compile(r"[A-Za-z]+")


def _split(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [w.lower() for w in WORD_RE.findall(spaced)]


def normal(word: str) -> str:
    """A word's role form: its synonym, else a crude stem (``patients`` -> ``patient``)."""
    word = word.lower()
    if word in SYNONYMS:
        return SYNONYMS[word]
    for suffix in ("ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return SYNONYMS.get(word[: -len(suffix)], word[: -len(suffix)])
    return word


@lru_cache(maxsize=16384)
def role_words(name: str, description: str = "") -> frozenset[str]:
    """The role an input plays, as normalised content words of its name and description."""
    words = [w for w in _split(name) + _split(description) if w not in GENERIC and len(w) > 1]
    return frozenset(normal(w) for w in words)


def context_words(text: str, start: int, end: int, before: int = 4, after: int = 3,
                  left_limit: int = 0, right_limit: int | None = None) -> frozenset[str]:
    """The normalised words right around a value, within its sentence and clause and between
    the neighbouring values (``left_limit``, ``right_limit``)."""
    stop = len(text) if right_limit is None else right_limit
    left = re.split(r"[.;!?]", text[max(0, start - 60, left_limit):start])[-1]
    right = re.split(r"[.;!?,]|\band\b", text[end:min(end + 40, stop)])[0]
    words = _split(left)[-before:] + _split(right)[:after]
    return frozenset(normal(w) for w in words if w not in GENERIC)


def fits(role: frozenset[str], context: frozenset[str]) -> bool:
    """A generic role takes any value; a specific one only a value whose context names it."""
    return not role or bool(role & context)


def type_words(t: TypeSpec) -> frozenset[str]:
    """What a catalog value type says about its role: its name, description and cue phrases."""
    text = " ".join([t.name.replace("_", " "), t.description, *t.cues, *t.cues_after])
    return frozenset(normal(w) for w in _split(text) if w not in GENERIC)


def input_role(param: str, type_name: str) -> frozenset[str]:
    """A catalog input's role: its parameter's words beyond its type's (``date_of_birth: date``
    -> {birth}; ``city: city`` -> {}, a generic role)."""
    own = set(_split(type_name))
    return frozenset(normal(w) for w in _split(param) if w not in GENERIC and w not in own and len(w) > 1)


def role_view(catalog: Catalog, request: ApiRequest) -> tuple[Catalog, list[str]]:
    """The catalog as one request sees it: an input whose declared type is a supertype of a
    value the user gave (``date_of_birth: date`` and an ``appointment_date``) takes that value
    only when the value's type fits the input's role (its parameter name beyond the type's own
    words); otherwise the input gets a role type of its own (``register_patient_date_of_birth``,
    a ``date``), which the user is asked for unless they gave it. Returns the view and one line
    per input so separated."""
    given = {v.type for v in request.values}
    changed: dict[str, ApiSpec] = {}
    new_types: list[TypeSpec] = []
    lines: list[str] = []
    for api in catalog.apis:
        inputs = dict(api.inputs)
        for param, tname in api.inputs.items():
            role = input_role(param, tname)
            if not role:
                continue
            foreign = [k for k in given if k != tname and catalog.satisfies(k, tname)
                       and not fits(role, type_words(catalog.type_by_name[k]))]
            if not foreign or any(k != tname and catalog.satisfies(k, tname) and k not in foreign for k in given):
                continue
            own = f"{api.name}_{param}"
            if own in catalog.type_by_name or any(t.name == own for t in new_types):
                continue
            base = catalog.type_by_name[tname]
            new_types.append(TypeSpec(name=own, is_a=tname, description=f"{param.replace('_', ' ')} for {api.name}",
                                      value=base.value, askable=True))
            inputs[param] = own
            lines.append(f"{api.name}.{param} is not filled with the {', '.join(sorted(foreign))} given")
        if inputs != api.inputs:
            changed[api.name] = api.model_copy(update={"inputs": inputs})
    if not changed:
        return catalog, []
    view = catalog.model_copy(update={
        "types": catalog.types + tuple(new_types),
        "apis": tuple(changed.get(a.name, a) for a in catalog.apis),
    })
    for attr in ("type_by_name", "api_by_name"):
        view.__dict__.pop(attr, None)  # cached from the original
    return view, lines
