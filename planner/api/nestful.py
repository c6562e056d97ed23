"""NESTFUL (IBM, Apache-2.0): its requests, its catalog, and its metrics.

Metrics, per request and then averaged over requests (the final ``var_result`` entry is not a
call and is left out on both sides):

- function-name F1: F1 of the multiset of called API names against the gold multiset;
- argument F1: F1 of the multiset of ``(parameter, value)`` pairs over all calls;
- partial sequence accuracy: the share of gold calls (name and every argument) that the
  prediction contains;
- full sequence accuracy: 1 when the predicted calls equal the gold calls, in order, with the
  same arguments (references ``$varN.path$`` included, so labels must line up).

Values compare after normalisation: strings trimmed and case-folded, numbers by value
(``"13"`` equals ``13``), booleans as ``true``/``false``.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from common.errors import ProofplanError
from common.paths import data_dir
from common.results_file import open_for_append, read_done
from planner.api.catalog import Catalog


class NestfulCase(BaseModel):
    id: str
    text: str
    gold: list[dict[str, Any]]


def default_paths() -> tuple[Path, Path]:
    base = data_dir() / "nestful"
    return base / "executable-data.json", base / "executable-spec.json"


def load_cases(path: Path) -> list[NestfulCase]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProofplanError(f"NESTFUL data not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ProofplanError(f"{path.name}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(raw, list):
        raise ProofplanError(f"{path.name}: expected a list of requests")
    cases = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("input"), str) or not isinstance(item.get("output"), list):
            raise ProofplanError(f"{path.name}: entry [{i}] needs 'input' (text) and 'output' (calls)")
        gold = [c for c in item["output"] if isinstance(c, dict) and c.get("name") != "var_result"]
        cases.append(NestfulCase(id=str(item.get("sample_id", i)), text=item["input"], gold=gold))
    return cases


def norm(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{float(value):g}"
    if isinstance(value, list):
        return "[" + ",".join(norm(v) for v in value) + "]"
    text = str(value).strip().lower()
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def _f1(pred: Counter, gold: Counter) -> float:
    if not pred and not gold:
        return 1.0
    tp = sum((pred & gold).values())
    if tp == 0:
        return 0.0
    p, r = tp / sum(pred.values()), tp / sum(gold.values())
    return 2 * p * r / (p + r)


def _call_key(call: dict[str, Any]) -> tuple:
    args = call.get("arguments") or {}
    return (call.get("name"), tuple(sorted((k, norm(v)) for k, v in args.items())))


REF_IN_VALUE = re.compile(r"\$(var\d+)(?:\.([^$]*))?\$")


def off_spec(case: NestfulCase, catalog: Catalog) -> list[str]:
    """What in a gold sequence no translator that writes only the spec's names can reproduce:
    arguments the API does not declare, references to output paths it does not declare, and
    values that are expressions around a reference (``"5 * $var1.Exchange Rate$"``)."""
    apis = {a.label: a for a in catalog.apis}
    params: dict[str, set[str]] = {}  # a name the source repeats declares the union of its specs' inputs
    for a in catalog.apis:
        params.setdefault(a.label, set()).update(a.inputs, a.optional)
    made = {c.get("label"): c.get("name") for c in case.gold}
    issues = []
    for call in case.gold:
        api = apis.get(call.get("name"))
        if api is None:
            issues.append(f"unknown API {call.get('name')}")
            continue
        for param, value in (call.get("arguments") or {}).items():
            if param not in params[api.label]:
                issues.append(f"{api.label}: undeclared parameter {param!r}")
            refs = list(REF_IN_VALUE.finditer(value)) if isinstance(value, str) else []
            for m in refs:
                source = apis.get(made.get(m.group(1)) or "")
                if m.group(2) and (source is None or m.group(2) not in source.outputs):
                    issues.append(f"{api.label}.{param}: undeclared output {m.group(2)!r}")
            if refs and refs[0].group(0) != value.strip():
                issues.append(f"{api.label}.{param}: an expression around a reference")
    return issues


class CaseScore(BaseModel):
    id: str
    f1_functions: float
    f1_arguments: float
    partial: float
    full: bool
    seconds: float = 0.0
    predicted: list[dict[str, Any]] = []
    asks: list[str] = []
    error: str = ""


def score(case: NestfulCase, predicted: list[dict[str, Any]]) -> tuple[float, float, float, bool]:
    gold_names = Counter(c["name"] for c in case.gold)
    pred_names = Counter(c["name"] for c in predicted)
    gold_args = Counter((k, norm(v)) for c in case.gold for k, v in (c.get("arguments") or {}).items())
    pred_args = Counter((k, norm(v)) for c in predicted for k, v in (c.get("arguments") or {}).items())
    gold_keys = [_call_key(c) for c in case.gold]
    pred_keys = Counter(_call_key(c) for c in predicted)
    partial = sum(1 for k in gold_keys if pred_keys[k] > 0) / max(1, len(gold_keys))
    full = [_call_key(c) for c in predicted] == gold_keys
    return _f1(pred_names, gold_names), _f1(pred_args, gold_args), partial, full


class Summary(BaseModel):
    n: int
    f1_functions: float
    f1_arguments: float
    partial: float
    full: float
    median_s: float
    p95_s: float


def summarise(scores: list[CaseScore]) -> Summary:
    n = max(1, len(scores))
    times = sorted(s.seconds for s in scores)
    return Summary(
        n=len(scores),
        f1_functions=sum(s.f1_functions for s in scores) / n,
        f1_arguments=sum(s.f1_arguments for s in scores) / n,
        partial=sum(s.partial for s in scores) / n,
        full=sum(s.full for s in scores) / n,
        median_s=statistics.median(times) if times else 0.0,
        p95_s=times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else 0.0,
    )


def evaluate(cases: list[NestfulCase], translator: Any, planner: str = "auto",
             results_path: Path | None = None) -> Iterator[CaseScore]:
    """Plan and score every case; with ``results_path``, append each score as it is made and
    skip the cases already there (resume)."""
    done = {s.id: s for s in read_done(results_path, CaseScore)}
    sink = open_for_append(results_path)
    try:
        for case in cases:
            if case.id in done:
                yield done[case.id]
                continue
            try:
                result = translator.plan(case.text, planner=planner)
                predicted = [c.model_dump() for c in result.calls]
                f1f, f1a, partial, full = score(case, predicted)
                out = CaseScore(id=case.id, f1_functions=f1f, f1_arguments=f1a, partial=partial, full=full,
                                seconds=result.seconds, predicted=predicted, asks=result.asks)
            except (ProofplanError, ValueError) as exc:
                f1f, f1a, partial, full = score(case, [])
                out = CaseScore(id=case.id, f1_functions=f1f, f1_arguments=f1a, partial=partial, full=full,
                                error=str(exc).splitlines()[0][:200])
            if sink is not None:
                sink.write(out.model_dump_json() + "\n")
                sink.flush()
            yield out
    finally:
        if sink is not None:
            sink.close()
