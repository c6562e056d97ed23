"""`proofplan plan travel` and `proofplan eval travelplanner` from the command line."""

import json
import subprocess
import sys

import pytest

Q1 = ("Please help me plan a trip from St. Petersburg to Rockford spanning 3 days from March 16th to "
      "March 18th, 2022. The travel should be planned for a single person with a budget of $1,700.")


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "proofplan.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_plan_travel_table_and_json():
    out = run("plan", "travel", Q1)
    assert out.returncode == 0, out.stderr
    assert "Rockford" in out.stdout and "verified" in out.stdout
    out = run("plan", "travel", "--json", Q1)
    data = json.loads(out.stdout)
    assert data["status"] == "sat" and len(data["plan"]) == 3
    assert data["plan"][0]["current_city"] == "from St. Petersburg to Rockford"


def test_plan_travel_from_spec_file(tmp_path, queries):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(queries[2].gold))
    out = run("plan", "travel", "--spec", str(spec), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["spec"]["origin"] == "Kansas City"


@pytest.mark.parametrize("args, message", [
    (("plan", "travel", ""), "empty request"),
    (("plan", "travel", "tell me a joke"), "does not look like a travel request"),
    (("plan", "travel", Q1.replace("March 18th", "March 32nd")), "impossible date"),
    (("plan", "travel", Q1.replace("$1,700", "-$1,700")), "budget must be positive"),
    (("plan", "travel", Q1.replace("a single person", "zero people")), "people must be at least 1"),
    (("plan", "travel", Q1.replace("Rockford", "Atlantis")), "unknown"),
    (("plan", "travel", "--spec", "/nonexistent.json"), "does not exist"),
    (("eval", "travelplanner", "--split", "test"), "not bundled"),
])
def test_bad_input_exit_code_2(args, message):
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_eval_travelplanner_writes_json(tmp_path):
    target = tmp_path / "eval.json"
    out = run("eval", "travelplanner", "--mode", "sole", "--limit", "3", "--out", str(target), timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(target.read_text())
    assert data["final_pass_rate"] == 1.0 and data["n"] == 3
    assert "Final pass rate" in out.stdout


def test_eval_travel_unsat_limit(tmp_path):
    target = tmp_path / "unsat.json"
    out = run("eval", "travel-unsat", "--limit", "2", "--out", str(target), timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(target.read_text())
    assert data["n"] == 2 and data["explained_share"] == 1.0 and data["repaired_share"] == 1.0
    assert "explained correctly" in out.stdout


def test_eval_travelplanner_json_is_the_only_stdout(tmp_path):
    target = tmp_path / "eval.json"
    out = run("eval", "travelplanner", "--mode", "sole", "--limit", "2", "--out", str(target), "--json",
              timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == json.loads(target.read_text())
    assert data["n"] == 2 and data["final_pass_rate"] == 1.0
    assert "Final pass rate" in out.stderr


def test_eval_travel_unsat_json_is_the_only_stdout(tmp_path):
    target = tmp_path / "unsat.json"
    out = run("eval", "travel-unsat", "--limit", "1", "--out", str(target), "--json", timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == json.loads(target.read_text())
    assert data["n"] == 1 and data["explained_share"] == 1.0
    assert "results written to" in out.stderr
