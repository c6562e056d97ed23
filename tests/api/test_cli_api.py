"""`proofplan plan api` and `proofplan eval api` through the real console entry point."""

import json
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "proofplan.cli", *args], capture_output=True, text=True, timeout=180)


def test_plan_api_prints_plan_with_get_info_and_writes_pddl(tmp_path):
    out = run("plan", "api", "Please book a hotel in Rome from June 3 until June 6 for 2 guests, name of Ana Silva.",
              "--catalog", "travel", "--pddl", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "get_info(payment_method)" in out.stdout
    assert "search_hotels(" in out.stdout and "book_hotel(" in out.stdout
    domain = (tmp_path / "domain.pddl").read_text()
    problem = (tmp_path / "problem.pddl").read_text()
    assert "(:action book_hotel" in domain and "(askable v_payment_method)" in problem


def test_plan_api_json_and_unreachable_explanation():
    out = run("plan", "api", "cancel my order ORD-55120 and apply for a loan", "-c", "shopping", "--json",
              "--planner", "pyperplan")
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["status"] == "partial"
    assert [s["api"] for s in plan["steps"]] == ["cancel_order"]
    assert plan["steps"][0]["inputs"]["order"]["value"] == "ORD-55120"
    assert "produces loan_offer" in plan["unreachable"]["loan_offer"]


def test_no_reachable_goal_is_explained_not_empty():
    out = run("plan", "api", "please book a train ticket to Rome", "-c", "travel")
    assert out.returncode == 1
    assert "no API in catalog 'travel' produces train_ticket" in out.stdout
    out = run("plan", "api", "hello there", "-c", "travel")
    assert out.returncode == 1 and "names no goal" in out.stdout


def test_bad_input_is_one_line_exit_2(tmp_path):
    out = run("plan", "api", "x", "--catalog", "nope")
    assert out.returncode == 2 and out.stderr.strip() == "error: unknown catalog 'nope'; bundled: shopping, travel, workplace"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntypes: [{name: a}]\napis: [{name: f, description: d, inputs: {x: b}, outputs: {o: a}}]\n")
    out = run("plan", "api", "x", "--catalog", str(bad))
    assert out.returncode == 2 and out.stderr.strip() == "error: bad.yaml: API 'f' input 'x' has unknown type 'b'"
    out = run("plan", "api", "x", "--planner", "magic")
    assert out.returncode == 2 and "--planner must be one of" in out.stderr
    assert "Traceback" not in out.stderr


def test_eval_api_on_a_few_cases(tmp_path):
    out = run("eval", "api", "--limit", "6", "--out", str(tmp_path / "r.jsonl"))
    assert out.returncode == 0, out.stderr
    assert "complete/single/dataflow" in out.stdout and "all" in out.stdout
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 6


def test_eval_api_json_is_the_only_stdout(tmp_path):
    out = run("eval", "api", "--limit", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["planner"] == "auto" and data["summary"]["total"] == 3
    assert len(data["outcomes"]) == 3 and {"id", "success", "reason"} <= set(data["outcomes"][0])
    assert data["summary"]["success"] == sum(o["success"] for o in data["outcomes"]) / 3


def test_data_api_evalset_json_describes_the_file_it_wrote(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    out = run("data", "api-evalset", "--out", str(first), "--per-category", "2", "--seed", "3", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    cases = [json.loads(line) for line in first.read_text().splitlines()]
    assert report["out"] == str(first) and report["cases"] == len(cases)
    counted = {c: sum(case["category"] == c for case in cases) for c in {case["category"] for case in cases}}
    assert report["categories"] == counted
    # 8 balanced categories of --per-category each, plus the fixed unreachable requests
    assert sorted(n for c, n in counted.items() if c != "unreachable") == [2] * 8 and counted["unreachable"] > 0
    # deterministic for a seed: the same command writes the same file
    assert run("data", "api-evalset", "--out", str(second), "--per-category", "2", "--seed", "3").returncode == 0
    assert second.read_text() == first.read_text()


def test_eval_nestful_writes_per_request_results(tmp_path):
    out_path = tmp_path / "nestful.jsonl"
    out = run("eval", "nestful", "--limit", "1", "--out", str(out_path), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["summary"]["n"] == 1 and report["summary"]["full"] == 1.0
    (line,) = out_path.read_text().splitlines()
    assert json.loads(line)["predicted"][0]["name"] == "SkyScrapperSearchAirport"


def test_plan_spec_reports_a_bad_document_in_one_line(tmp_path):
    bad = tmp_path / "api.yaml"
    bad.write_text("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: [{in: query}]\n")
    out = run("plan", "spec", "anything", "--spec", str(bad))
    assert out.returncode == 2
    assert out.stderr.strip() == ("error: api.yaml: operation 'get /a': a parameter has no name "
                                  "(and the document has no other operation)")
