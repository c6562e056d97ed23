"""The bundled TravelPlanner train split: query text, gold fields, reference info, human plan."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from planner.travel.database import travel_data_dir
from planner.travel.spec import TripSpec


@dataclass(frozen=True)
class BenchmarkQuery:
    idx: int
    level: str
    query: str
    gold: dict | None  # the structured fields (None: a split file without them, e.g. test)
    reference: dict | None  # None: not read (two-stage mode)
    annotated_plan: list[dict]

    @property
    def gold_spec(self) -> TripSpec:
        return TripSpec.from_benchmark(self.gold)


def load_queries_file(path: Path, with_reference: bool) -> list[BenchmarkQuery]:
    """The queries of a split file in the benchmark's CSV layout (its reference information
    parsed only `with_reference`, for sole planning)."""
    from planner.travel.splits import read_queries_csv

    return [BenchmarkQuery(q.idx, q.level, q.query, q.gold, q.reference() if with_reference else None,
                           q.annotated_plan()) for q in read_queries_csv(path)]


def load_split(split: str = "train", root: Path | None = None) -> list[BenchmarkQuery]:
    """The queries of a split (only `train` is bundled)."""
    base = (root or travel_data_dir()) / split
    structured = [json.loads(x) for x in (base / f"{split}_structured.jsonl").read_text().splitlines() if x.strip()]
    refs = [json.loads(x) for x in (base / f"{split}_ref_info.jsonl").read_text().splitlines() if x.strip()]
    plans = {}
    plan_file = base / f"{split}_annotated_plans.jsonl"
    if plan_file.exists():
        for line in plan_file.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                plans[int(d["idx"])] = d["annotated_plan"]
    out = []
    for row, ref in zip(structured, refs, strict=True):
        idx = int(row["idx"])
        out.append(BenchmarkQuery(idx, row["level"], row["query"], row, ref, plans.get(idx, [])))
    return out
