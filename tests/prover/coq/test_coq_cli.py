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
