"""``proofplan prove --backend coq ... --tactics ...`` step mode."""

import subprocess
import sys


def prove(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proofplan.cli", "prove", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )


def test_step_mode_shows_goals_and_checks_proof() -> None:
    r = prove("--backend", "coq", "forall n m : nat, n + m = m + n", "--context", "Require Import Lia.",
              "--tactics", "intros.", "lia.")
    assert r.returncode == 0, r.stderr
    assert "n, m : nat" in r.stdout and "coqc accepts it" in r.stdout


def test_bullets_and_failing_step() -> None:
    r = prove("forall n : nat, n + 0 = n", "--tactics", "intros n.", "induction n.", "- reflexivity.",
              "- simpl.", "reflexivity.")
    assert r.returncode == 1
    assert "S (n + 0) = S n" in r.stdout and "error" in r.stdout


def test_bad_statement_is_a_one_line_error() -> None:
    r = prove("forall n : nat, n + = n", "--tactics", "intros.")
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    r = prove("forall n : nat, n = n", "--tactics", 'Load "/etc/passwd".')
    assert r.returncode == 1 and "rejected" in r.stdout


def test_step_mode_json_is_the_only_stdout() -> None:
    import json

    r = prove("forall n : nat, n + 0 = n", "--context", "Require Import Lia.", "--json",
              "--tactics", "intros.", "lia.")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["mode"] == "steps" and doc["proved"] is True and doc["tactics"] == ["intros.", "lia."]
    assert "coqc accepts it" in r.stderr
    r = prove("forall n : nat, n = S n", "--json", "--tactics", "intros.", "reflexivity.")
    assert r.returncode == 1 and json.loads(r.stdout)["proved"] is False


def test_search_mode_json_holds_the_checked_proof() -> None:
    import json

    r = prove("forall n : nat, n + 0 = n", "--config", "fixed", "--max-expansions", "5", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["mode"] == "search" and doc["proved"] is True
    (rec,) = doc["records"]
    assert rec["name"] == "goal" and rec["proved"] and rec["proof"]
    assert "Qed." in r.stderr
