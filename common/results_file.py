"""Results files of the evaluation commands and benchmarks: one JSON record a line (a pydantic
model), appended as each case finishes, read back on a rerun so finished cases are skipped
(resume). A kill loses at most the line being written: the next run cuts that partial line and
reads every complete one.

Used by ``eval prover`` and ``bench_prover.py`` (:mod:`prover.search.evaluation`, also over Ray
workers), ``data search-pairs``, ``benchmarks/progress_curve.py``, ``eval api`` and ``eval
nestful``. Left on their own writers: ``planner/travel/benchmark.py`` and
``planner/travel/unsat_set.py`` (another area this session).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel

Record = TypeVar("Record", bound=BaseModel)


def read_records(path: str | Path | None, model: type[Record]) -> list[Record]:
    """Every complete, valid record of ``path`` in order (none when it is absent); a line an
    interrupted run cut short, or one that is not a ``model``, is skipped."""
    if path is None or not Path(path).exists():
        return []
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                records.append(model.model_validate_json(line))
            except ValueError:
                continue
    return records


#: The name the planner evaluations know it by.
read_done = read_records


def drop_partial_tail(path: Path) -> None:
    """Cut a trailing line that a kill left without its newline (so the next record starts on a
    line of its own)."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)


def prepare(path: Path) -> None:
    """Make ``path`` ready for appending: its folder created, a partial last line cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    drop_partial_tail(path)


def append_record(path: Path, record: BaseModel) -> None:
    """Append one record as a JSON line and fsync it (a kill loses at most this line)."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record.model_dump(), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def open_for_append(path: Path | None) -> IO[str] | None:
    """``path`` opened for appending records one ``write`` a line (None for None), its folder
    created; a line an interrupted run cut short is ended (and skipped by :func:`read_records`),
    so the next record starts on a line of its own."""
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = path.open("a", encoding="utf-8")
    if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        sink.write("\n")
    return sink
