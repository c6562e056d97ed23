"""Results files of the evaluation commands: one JSON record a line, appended as each case
finishes, read back on a rerun so finished cases are skipped (resume)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel

Record = TypeVar("Record", bound=BaseModel)


def read_done(path: Path | None, model: type[Record]) -> list[Record]:
    """The complete records of ``path`` (none when it is absent); a line an interrupted run cut
    short is skipped."""
    if path is None or not path.exists():
        return []
    done = []
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                done.append(model.model_validate_json(line))
            except ValueError:
                continue
    return done


def open_for_append(path: Path | None) -> IO[str] | None:
    """``path`` opened for appending records (None for None), after ending a line an interrupted
    run cut short, so the next record starts on a line of its own."""
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = path.open("a")
    if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        sink.write("\n")
    return sink
