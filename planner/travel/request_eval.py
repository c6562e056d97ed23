"""Translation accuracy on a set of requests with gold specs: exact specs, per field, time per request.

A request set is JSONL, one request a line: `query` plus the benchmark's structured fields (org,
dest, days, visiting_city_number, date, people_number, local_constraint, budget), the layout of
data/travelplanner/train/train_structured.jsonl.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common.errors import ProofplanError
from planner.travel.spec import BENCHMARK_REQUIRED, SpecError
from planner.travel.translate import FIELDS, Translator, field_values, translate_checked


@dataclass
class GoldRequest:
    idx: int
    query: str
    gold: dict


@dataclass
class RequestResult:
    idx: int
    seconds: float
    fields_right: dict[str, bool]
    error: str | None = None
    predicted: dict | None = None
    doubts: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        """The spec equals the gold one (doubts or not)."""
        return self.error is None and all(self.fields_right.values())

    @property
    def exact(self) -> bool:
        """Right, and read without a doubt: planned at once."""
        return self.right and not self.doubts

    @property
    def flagged(self) -> bool:
        """Not planned as read: refused with one line, or a doubt raised."""
        return self.error is not None or bool(self.doubts)

    @property
    def silently_wrong(self) -> bool:
        """Planned on a misread request: a spec unlike the gold one, and no doubt raised."""
        return not self.flagged and not self.right


@dataclass
class AccuracySummary:
    translator: str
    n: int
    exact: float
    per_field: dict[str, float]
    errors: int
    flagged: int
    flagged_right: int
    silently_wrong: int
    median_seconds: float
    mean_seconds: float
    max_seconds: float
    wrong: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def load_requests(path: Path) -> list[GoldRequest]:
    """Requests with gold specs from a JSONL file; a malformed line is a one-line error."""
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise ProofplanError(f"cannot read request set {path}: {exc.strerror or exc}") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ProofplanError(f"{path}:{n}: not JSON ({exc.msg})") from None
        missing = [k for k in ("query", *BENCHMARK_REQUIRED) if not isinstance(row, dict) or k not in row]
        if missing:
            raise ProofplanError(f"{path}:{n}: missing field(s) {', '.join(missing)}")
        out.append(GoldRequest(int(row.get("idx", n)), str(row["query"]), row))
    if not out:
        raise ProofplanError(f"request set {path} is empty")
    return out


def score_request(translator: Translator, request: GoldRequest) -> RequestResult:
    start = time.perf_counter()
    doubts: list = []
    try:
        spec, doubts = translate_checked(translator, request.query)
        predicted = spec.as_benchmark()
        error = None
    except SpecError as exc:
        predicted, error = None, str(exc)
    seconds = time.perf_counter() - start
    gold = field_values(request.gold)
    got = field_values(predicted) if predicted is not None else None
    right = {f: got is not None and got[f] == gold[f] for f in FIELDS}
    return RequestResult(request.idx, seconds, right, error, predicted, [d.line() for d in doubts])


def summarise(name: str, results: list[RequestResult]) -> AccuracySummary:
    n = len(results)
    secs = [r.seconds for r in results] or [0.0]
    return AccuracySummary(
        translator=name, n=n,
        exact=sum(r.exact for r in results) / n if n else 0.0,
        per_field={f: sum(r.fields_right[f] for r in results) / n if n else 0.0 for f in FIELDS},
        errors=sum(r.error is not None for r in results),
        flagged=sum(r.flagged for r in results),
        flagged_right=sum(r.right and bool(r.doubts) for r in results),
        silently_wrong=sum(r.silently_wrong for r in results),
        median_seconds=statistics.median(secs), mean_seconds=statistics.fmean(secs), max_seconds=max(secs),
        wrong=[r.idx for r in results if not r.exact],
    )


def evaluate_requests(translator: Translator, requests: list[GoldRequest], out: Path | None = None,
                      progress: Callable[[RequestResult], None] | None = None) -> AccuracySummary:
    """Translate every request; with `out`, write one JSON line per request as it goes."""
    results = []
    sink = None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        sink = out.open("w")
    try:
        for request in requests:
            result = score_request(translator, request)
            results.append(result)
            if sink is not None:
                sink.write(json.dumps({"query": request.query, **asdict(result), "exact": result.exact,
                                       "silently_wrong": result.silently_wrong}) + "\n")
                sink.flush()
            if progress is not None:
                progress(result)
    finally:
        if sink is not None:
            sink.close()
    return summarise(getattr(translator, "name", type(translator).__name__), results)


def accuracy_table(summaries: list[AccuracySummary], title: str):
    """A rich table: one column per translator, rows exact spec, each field, errors, time."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("")
    for s in summaries:
        table.add_column(f"{s.translator} (n={s.n})", justify="right")
    table.add_row("[bold]exact spec, no doubt[/bold]", *[f"[bold]{s.exact:.1%}[/bold]" for s in summaries])
    for f in FIELDS:
        table.add_row(f"  {f}", *[f"{s.per_field[f]:.1%}" for s in summaries])
    table.add_row("refused (one-line error)", *[str(s.errors) for s in summaries])
    table.add_row("doubt raised (of them read right)", *[f"{s.flagged - s.errors} ({s.flagged_right})" for s in summaries])
    table.add_row("[bold]silently wrong[/bold]", *[f"[bold]{s.silently_wrong}[/bold]" for s in summaries])
    table.add_row("seconds per request: median / mean / max",
                  *[f"{s.median_seconds:.3f} / {s.mean_seconds:.3f} / {s.max_seconds:.3f}" for s in summaries])
    return table
