"""Split files in the benchmark's CSV layout in, the leaderboard's submission format out."""

import csv
import json
import subprocess
import sys

import pytest

from planner.travel.database import travel_data_dir
from planner.travel.official import OfficialChecks
from planner.travel.splits import SplitError, parse_table, read_queries_csv

TRAIN_CSV = travel_data_dir() / "train" / "train.csv"


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "proofplan.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_bundled_train_csv_reads_like_the_structured_split(queries):
    rows = read_queries_csv(TRAIN_CSV)
    assert [r.idx for r in rows] == list(range(1, 46))
    for r in rows:
        q = queries[r.idx]
        assert r.query == q.query and r.level == q.level
        assert {k: r.gold[k] for k in ("org", "dest", "days", "date", "people_number", "local_constraint", "budget")} \
            == {k: q.gold[k] for k in ("org", "dest", "days", "date", "people_number", "local_constraint", "budget")}
        ref = r.reference()
        assert set(ref) == set(q.reference)  # the printed tables parse back to the same rows
        for desc, rows_ in q.reference.items():
            if isinstance(rows_, list):
                name = "NAME" if desc.startswith("Accommodations") else "Flight Number" if desc.startswith("Flight") \
                    else "Name"
                assert [x[name] for x in ref[desc]] == [str(x[name]) for x in rows_], desc
            else:
                assert ref[desc] == rows_


def test_printed_table_keeps_trailing_spaces_and_unescapes_newlines():
    # columns right-aligned: NAME ends at character 21, price at 28
    text = "\n".join([" " * 17 + "NAME" + "  price",
                      " " * 12 + "Corner   " + "  120.0",
                      " " + "Great Room!\\nCome in" + "   80.0"])
    rows = parse_table(text, ("NAME", "price"))
    assert rows == [{"NAME": "Corner   ", "price": "120.0"}, {"NAME": "Great Room!\nCome in", "price": "80.0"}]
    indexed = parse_table("      Name  City\n3     Taco  Reno\n120  Bagel  Reno", ("Name", "City"), indexed=True)
    assert [r["Name"] for r in indexed] == ["Taco", "Bagel"]


def _write_split(path, rows):
    with TRAIN_CSV.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames
        train = list(reader)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for n, blank in rows:
            row = dict(train[n - 1])
            for col in blank:
                row[col] = ""
            w.writerow(row)


def test_eval_writes_a_submission_for_a_split_file(tmp_path, queries):
    # two queries as a validation file would hold them, the second without its structured fields
    # (as in the test split): both are planned from the query text and reference information,
    # only the first is scored
    split = tmp_path / "mini.csv"
    _write_split(split, [(2, ()), (1, ("org", "dest", "days", "date", "budget", "people_number",
                                       "visiting_city_number", "local_constraint"))])
    plans = tmp_path / "submission.jsonl"
    out = run("eval", "travelplanner", "--queries", str(split), "--mode", "sole", "--plans", str(plans),
              "--out", str(tmp_path / "eval.json"), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["n"] == 2 and summary["scored"] == 1
    assert summary["official_metrics"]["final_pass_rate"] == 1.0 and summary["evaluators_disagree_on"] == []
    lines = [json.loads(x) for x in plans.read_text().splitlines()]
    assert [set(x) for x in lines] == [{"idx", "query", "plan"}] * 2
    assert [x["idx"] for x in lines] == [1, 2]
    assert [x["query"] for x in lines] == [queries[2].query, queries[1].query]
    official = OfficialChecks()
    for line, n in zip(lines, (2, 1), strict=True):
        assert official.evaluate(queries[n].gold, line["plan"]).final_pass


def test_two_stage_split_file_uses_the_database(tmp_path, queries):
    split = tmp_path / "mini.csv"
    _write_split(split, [(3, ("reference_information",))])  # two-stage never reads it
    plans = tmp_path / "submission.jsonl"
    out = run("eval", "travelplanner", "--queries", str(split), "--plans", str(plans),
              "--database", str(travel_data_dir() / "database"), "--out", str(tmp_path / "eval.json"))
    assert out.returncode == 0, out.stderr
    line = json.loads(plans.read_text())
    assert line["idx"] == 1 and OfficialChecks().evaluate(queries[3].gold, line["plan"]).final_pass


@pytest.mark.parametrize("content, mode, message", [
    ("query,level\n", "two-stage", "has no rows"),
    ("org,dest\nA,B\n", "two-stage", "has no 'query' column"),
    ("query,reference_information\nPlease plan a trip from St. Petersburg to Rockford,\n", "sole",
     "needs the reference_information column"),
    ("query,reference_information\nhi,\"[{'Description': 'x'\"\n", "sole", "is not a Python literal"),
])
def test_bad_split_files_get_one_line(tmp_path, content, mode, message):
    split = tmp_path / "bad.csv"
    split.write_text(content)
    out = run("eval", "travelplanner", "--queries", str(split), "--mode", mode, "--out", str(tmp_path / "e.json"))
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and message in out.stderr and "Traceback" not in out.stderr


def test_read_errors_name_the_problem(tmp_path):
    with pytest.raises(SplitError, match="does not exist"):
        read_queries_csv(tmp_path / "missing.csv")


def test_reference_flights_outside_the_bundled_table_count_as_sandbox(queries):
    # a validation query's reference lists flights of the full table, which is not bundled:
    # sole planning uses them, and both evaluators know them when they score the plan
    import copy

    from planner.travel.api import plan_spec
    from planner.travel.benchmark import same_verdict
    from planner.travel.database import load_database, reference_flight_rows, with_flights
    from planner.travel.evaluation import PlanEvaluator
    from planner.travel.official import Sandbox

    q = queries[1]
    ref = copy.deepcopy(q.reference)
    for desc, rows in ref.items():
        if desc.startswith("Flight from ") and isinstance(rows, list):
            for r in rows:
                r["Flight Number"] = "F9" + str(r["Flight Number"])[2:]
    out = plan_spec(q.gold_spec, "sole", ref, time_limit=30)
    assert out.status == "sat", out.message
    assert any("Flight Number: F9" in d["transportation"] for d in out.plan)
    assert not PlanEvaluator(load_database()).evaluate(q.gold, out.plan).final_pass  # unknown to the bundled table
    flights = reference_flight_rows([ref])
    ours = PlanEvaluator(with_flights(load_database(), flights)).evaluate(q.gold, out.plan)
    sandbox = Sandbox()
    sandbox.add_flights(flights)
    theirs = OfficialChecks(sandbox).evaluate(q.gold, out.plan)
    assert ours.final_pass and theirs.final_pass and same_verdict(theirs, ours)
    assert not any(f.number.startswith("F9") for fs in load_database().flights_by_number.values() for f in fs)


def test_plans_are_scored_against_the_files_constraint_columns(tmp_path, queries):
    """The columns, not our reading of the query, are what a plan is checked against; the report
    shows the translation beside it. Row 1: the columns ask for a budget the text does not state
    (our reading plans to the text's $900: planned on a misread, and the plan fails the column's
    budget). Row 2: the text states a budget nothing can meet, and the file carries the annotated
    plan, so the report names the constraint of ours that rejects that plan."""
    with TRAIN_CSV.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [*reader.fieldnames, "annotated_plan"]
        train = list(reader)
    first = dict(train[1], budget="200", annotated_plan="")
    second = dict(train[2], query=train[2]["query"].replace("$1,400", "$40"),
                  annotated_plan=repr([{"org": "Las Vegas"}, *queries[3].annotated_plan]))
    assert second["query"] != train[2]["query"]
    split = tmp_path / "columns.csv"
    with split.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows([first, second])
    out = run("eval", "travelplanner", "--queries", str(split), "--mode", "sole", "--out", str(tmp_path / "e.json"),
              "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["failures"]["1"] == [f for f in summary["failures"]["1"] if f.startswith("valid_cost")]
    assert summary["official_metrics"]["final_pass_rate"] == 0.0 and summary["evaluators_disagree_on"] == []
    assert summary["translation"]["silently_wrong"] == [1, 2]
    assert summary["translation_accuracy"]["budget"] == 0.0
    second_result = next(r for r in summary["per_query"] if r["idx"] == 2)
    assert second_result["status"] == "unsat"
    assert "the annotated plan is rejected by budget" in second_result["error"]
