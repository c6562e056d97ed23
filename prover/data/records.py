"""Traced proof data in the LeanDojo Benchmark 4 schema, for Coq and Lean alike.

A dataset folder holds ``corpus.jsonl``, ``metadata.json`` and, per split
(``random``, ``novel_premises``), ``train.json``/``val.json``/``test.json``: lists of
theorem records ``{url, commit, file_path, full_name, start, end, traced_tactics}``. Each traced
tactic is ``{tactic, annotated_tactic: [text_with_<a>marks</a>, [premise...]], state_before,
state_after}``; proofplan adds ``steps_remaining`` (our extension; absent in LeanDojo files).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PremiseRef(BaseModel):
    """A premise used by a tactic: where it is defined (1-based line, column)."""

    model_config = ConfigDict(extra="allow")
    full_name: str
    def_path: str
    def_pos: tuple[int, int]
    def_end_pos: tuple[int, int]


class TracedTactic(BaseModel):
    model_config = ConfigDict(extra="allow")
    tactic: str
    annotated_tactic: tuple[str, list[PremiseRef]]
    state_before: str
    state_after: str
    steps_remaining: int | None = None

    @property
    def premises(self) -> list[PremiseRef]:
        return self.annotated_tactic[1]


class TracedTheorem(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str
    commit: str
    file_path: str
    full_name: str
    start: tuple[int, int]
    end: tuple[int, int]
    traced_tactics: list[TracedTactic] = Field(default_factory=list)
    # proofplan extensions (absent in LeanDojo files): the statement and its context.
    statement: str | None = None


class CorpusPremise(BaseModel):
    """One premise of ``corpus.jsonl`` (a file record lists these)."""

    model_config = ConfigDict(extra="allow")
    full_name: str
    code: str
    start: tuple[int, int]
    end: tuple[int, int]
    kind: str | None = None
    #: Declared inside a module type or a functor: no other file can name it (its full name
    #: refers to nothing outside them), so it is accessible from its own file only.
    local: bool = False


class CorpusFile(BaseModel):
    """One line of ``corpus.jsonl``: a file, its direct imports and the premises it defines."""

    model_config = ConfigDict(extra="allow")
    path: str
    imports: list[str] = Field(default_factory=list)
    premises: list[CorpusPremise] = Field(default_factory=list)
