"""Official TravelPlanner split files: queries in the benchmark's CSV layout in, the leaderboard's
submission format out.

The CSV has one query per row (columns org, dest, days, visiting_city_number, date,
people_number, local_constraint, budget, query, level, reference_information; a test split may
leave the structured ones empty). The planner reads only `query`, and in sole-planning mode
`reference_information`: a Python-literal list of {Description, Content} entries whose Content
is a table printed by pandas (fixed-width columns) or one line of text. The structured fields
are used for scoring only, when present. A submission is JSONL: one {"idx", "query", "plan"}
object per query, in the file's order, idx counting from 1.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from common.errors import ProofplanError

QUERY_COLUMNS = ("query",)
GOLD_COLUMNS = ("org", "dest", "days", "visiting_city_number", "date", "people_number", "local_constraint", "budget")
# the columns the benchmark's tools print for each kind of reference entry
REFERENCE_COLUMNS = {
    "Attractions": ("Name", "Latitude", "Longitude", "Address", "Phone", "Website", "City"),
    "Restaurants": ("Name", "Average Cost", "Cuisines", "Aggregate Rating", "City"),
    "Accommodations": ("NAME", "price", "room type", "house_rules", "minimum nights", "maximum occupancy",
                       "review rate number", "city"),
    "Flight": ("Flight Number", "Price", "DepTime", "ArrTime", "ActualElapsedTime", "FlightDate",
               "OriginCityName", "DestCityName", "Distance"),
}
INDEXED = ("Restaurants",)  # printed with the row index as a first, unlabelled column


class SplitError(ProofplanError):
    """A split file that is not in the benchmark's layout."""


@dataclass(frozen=True)
class SplitQuery:
    """One row of a split file."""

    idx: int  # 1-based position in the file (the submission's idx)
    query: str
    level: str
    gold: dict | None  # the structured fields, when the file has them (for scoring only)
    reference_text: str  # the raw reference_information cell ('' when absent)
    annotated_text: str = ""  # the raw annotated_plan cell ('' when absent)

    def annotated_plan(self) -> list[dict]:
        """The annotated plan's day dicts (the cell may open with a dict of the query's fields)."""
        if not self.annotated_text.strip():
            return []
        plan = _literal(self.annotated_text, "annotated_plan", self.idx)
        if not isinstance(plan, list):
            raise SplitError(f"row {self.idx}: annotated_plan is not a list of day dicts")
        return [d for d in plan if isinstance(d, dict) and "days" in d and "current_city" in d]

    def reference(self) -> dict:
        """The reference information keyed by description (sole-planning input)."""
        return parse_reference(self.reference_text, self.idx)


def _literal(value: str, column: str, row: int):
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise SplitError(f"row {row}: column {column!r} is not a Python literal") from None


def read_queries_csv(path: Path) -> list[SplitQuery]:
    """The queries of a split file in the benchmark's CSV layout; a precise error otherwise."""
    csv.field_size_limit(sys.maxsize)
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if "query" not in header:
                raise SplitError(f"{path} has no 'query' column (columns: {', '.join(header) or 'none'}); "
                                 "expected the TravelPlanner CSV layout")
            rows = list(reader)
    except FileNotFoundError:
        raise SplitError(f"queries file {path} does not exist") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SplitError(f"queries file {path} cannot be read as CSV: {' '.join(str(exc).split())}") from None
    if not rows:
        raise SplitError(f"queries file {path} has no rows")
    out = []
    for n, row in enumerate(rows, 1):
        if not (row.get("query") or "").strip():
            raise SplitError(f"row {n} of {path} has an empty query")
        gold = None
        if all((row.get(c) or "").strip() for c in GOLD_COLUMNS):
            try:
                gold = {
                    "org": row["org"], "dest": row["dest"], "days": int(row["days"]),
                    "visiting_city_number": int(row["visiting_city_number"]),
                    "date": _literal(row["date"], "date", n), "people_number": int(row["people_number"]),
                    "local_constraint": _literal(row["local_constraint"], "local_constraint", n),
                    "budget": int(float(row["budget"])), "level": row.get("level") or "", "query": row["query"],
                }
            except ValueError:
                raise SplitError(f"row {n} of {path}: days, visiting_city_number, people_number and budget "
                                 "must be numbers") from None
        out.append(SplitQuery(n, row["query"], row.get("level") or "", gold, row.get("reference_information") or "",
                              row.get("annotated_plan") or ""))
    return out


def parse_reference(text: str, row: int = 0) -> dict:
    """{description: rows (list of dicts of strings) or a line of text} from a reference cell."""
    if not text.strip():
        raise SplitError(f"row {row}: sole planning needs the reference_information column, which is empty")
    entries = _literal(text, "reference_information", row)
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "Description" in e for e in entries):
        raise SplitError(f"row {row}: reference_information is not a list of {{Description, Content}} entries")
    out: dict = {}
    for e in entries:
        desc, content = str(e["Description"]), e.get("Content", "")
        kind = desc.split(" ", 1)[0]
        if kind in REFERENCE_COLUMNS and isinstance(content, str) and "\n" in content.strip():
            out[desc] = parse_table(content, REFERENCE_COLUMNS[kind], indexed=kind in INDEXED)
        else:
            out[desc] = content if isinstance(content, str) else str(content)
    return out


def parse_table(text: str, columns: tuple[str, ...], indexed: bool = False) -> list[dict[str, str]]:
    """Rows of a table printed by pandas: every column right-aligned under its label, so a
    cell runs from after the previous column's right edge to its own label's right edge."""
    lines = [line for line in text.split("\n") if line.strip()]
    header, body = lines[0], lines[1:]
    edges = []
    pos = 0
    for col in columns:
        m = re.compile(rf"(?<!\S){re.escape(col)}(?!\S)").search(header, pos)
        if m is None:
            raise SplitError(f"reference table lacks the column {col!r}: {header.strip()[:120]!r}")
        edges.append(m.end())
        pos = m.end()
    out = []
    for line in body:
        start = 0
        if indexed:
            m = re.match(r"\d+ ", line)
            start = m.end() if m else 0
        row = {}
        for col, end in zip(columns, edges, strict=True):
            row[col] = _unescape(line[start:end].lstrip())  # a value's trailing spaces are its own
            start = end
        out.append(row)
    return out


def _unescape(cell: str) -> str:
    """pandas prints a tab, newline or carriage return inside a value as a backslash escape."""
    return cell.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")


def write_submission(path: Path, queries: list[SplitQuery], plans: dict[int, list[dict]]) -> None:
    """The leaderboard's format: one {"idx", "query", "plan"} line per query, in file order
    (an empty plan where none was found)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for q in queries:
            fh.write(json.dumps({"idx": q.idx, "query": q.query, "plan": plans.get(q.idx, [])}) + "\n")
