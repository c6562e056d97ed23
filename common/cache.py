"""Where proofplan keeps what does not change between runs, and a JSON file cache for small values.

The cache folder is ``$PROOFPLAN_CACHE`` when set, else ``data/generated`` (git-ignored) under
the data folder. It holds the premise indexes (``premise_index/``: minutes to build on a CPU, so
built on first use and loaded afterwards), the stock encoder's premise vectors by text
(``premise_vectors/``: a new corpus encodes only premises no earlier one had) and CoqHammer's
library facts (``hammer/``: which libraries its imports load and what each requires, seconds
to read from Coq). Deleting it is
always safe: everything in it is rebuilt on demand.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from common.paths import data_dir

T = TypeVar("T")


def cache_dir() -> Path:
    """``$PROOFPLAN_CACHE``, else ``<data>/generated``."""
    env = os.environ.get("PROOFPLAN_CACHE")
    return Path(env) if env else data_dir() / "generated"


def key_of(*parts: object) -> str:
    """A short stable digest of ``parts`` (what the cached value depends on)."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]


def cached_json(path: Path, compute: Callable[[], T], *, keep: Callable[[T], bool] = lambda _: True) -> T:
    """The JSON value stored at ``path``, else ``compute()`` stored there (when ``keep`` says
    it is worth keeping; written to a temporary file and renamed, so readers never see half a
    file). An unreadable file counts as missing."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = compute()
    if keep(value):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(value), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache folder only costs the recomputation
    return value
