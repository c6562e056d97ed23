"""Evaluation runs: results written as they go, resumed without loss or double counting."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prover.env import Theorem
from prover.search.baselines import AutomationBaseline
from prover.search.evaluation import evaluate, read_results

STATEMENTS = {
    "and_comm": "forall P Q : Prop, P /\\ Q -> Q /\\ P",
    "add_0_r": "forall n : nat, n + 0 = n",
    "add_comm": "forall n m : nat, n + m = m + n",
    "two_two": "2 + 2 = 4",
    "false_succ": "forall n : nat, n = S n",
    "or_comm": "forall P Q : Prop, P \\/ Q -> Q \\/ P",
    "le_refl_S": "forall n : nat, n <= S n",
    "impl_trans": "forall P Q R : Prop, (P -> Q) -> (Q -> R) -> P -> R",
    "mul_1_l": "forall n : nat, 1 * n = n",
    "false_lt": "forall n : nat, S n < n",
}


def theorems() -> list[Theorem]:
    return [Theorem(n, s, "Require Import Lia.", full_name=f"Test.{n}") for n, s in STATEMENTS.items()]


def test_evaluate_writes_one_line_per_theorem_and_resumes(coq_env, tmp_path: Path):
    out = tmp_path / "auto.jsonl"
    prover = AutomationBaseline(coq_env, "auto", time_limit=5.0)
    calls: list[str] = []

    def counting(thm):
        calls.append(thm.name)
        return prover(thm)

    first = evaluate(theorems()[:4], counting, out, "auto", show_progress=False)
    assert len(calls) == 4 and first.total == 4
    # A kill mid-write leaves a partial last line: it is dropped, that theorem runs again.
    with out.open("a") as fh:
        fh.write('{"config": "auto", "name": "Test.false_su')
    summary = evaluate(theorems(), counting, out, "auto", show_progress=False)
    assert calls[4:] == [t.name for t in theorems()[4:]]
    records = read_results(out)
    assert sorted(r.name for r in records) == sorted(f"Test.{n}" for n in STATEMENTS)
    assert summary.total == len(STATEMENTS)
    assert summary.proved == sum(r.proved for r in records)
    assert 0 < summary.proved < len(STATEMENTS)  # auto cannot prove the false ones
    proved = {r.name for r in records if r.proved}
    assert "Test.false_succ" not in proved and "Test.impl_trans" in proved
    # Nothing left to do: no prover call, same numbers.
    again = evaluate(theorems(), counting, out, "auto", show_progress=False)
    assert len(calls) == len(STATEMENTS) and again == summary


def write_dataset(folder: Path) -> Path:
    (folder / "random").mkdir(parents=True)
    records = [
        {"url": "local", "commit": "none", "file_path": "Test.v", "full_name": f"Test.{n}",
         "start": [i + 1, 1], "end": [i + 1, 2], "traced_tactics": [], "statement": s,
         "context": "Require Import Lia."}
        for i, (n, s) in enumerate(STATEMENTS.items())
    ]
    (folder / "random" / "test.json").write_text(json.dumps(records))
    return folder


def eval_cmd(data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "proofplan.cli", "eval", "prover", str(data), "--split", "test",
            "--config", "fixed", "--max-expansions", "6", "--budget-seconds", "60", "--out", str(out)]


def by_name(path: Path) -> dict[str, tuple]:
    return {r.name: (r.status, r.proved, r.proof, r.expansions) for r in read_results(path)}


def test_killed_evaluation_run_resumes_identically(tmp_path: Path):
    data = write_dataset(tmp_path / "data")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    full = tmp_path / "full.jsonl"
    subprocess.run(eval_cmd(data, full), check=True, capture_output=True, env=env, timeout=300)
    reference = by_name(full)
    assert len(reference) == len(STATEMENTS)

    cut = tmp_path / "cut.jsonl"
    proc = subprocess.Popen(eval_cmd(data, cut), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if cut.exists() and cut.read_text().count("\n") >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its coqtop, mid-run
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done_before = len(read_results(cut))
    assert 2 <= done_before < len(STATEMENTS)

    rerun = subprocess.run(eval_cmd(data, cut), capture_output=True, text=True, env=env, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    lines = [json.loads(line) for line in cut.read_text().splitlines() if line.strip()]
    names = [rec["name"] for rec in lines]
    assert len(names) == len(set(names)) == len(STATEMENTS)  # none lost, none counted twice
    assert by_name(cut) == reference
    proved = sum(r[1] for r in reference.values())
    assert f"({proved}/{len(STATEMENTS)})" in rerun.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "nonsense"], "unknown configuration 'nonsense'"),
        (["--split", "dev"], "unknown part 'dev'"),
    ],
)
def test_eval_cli_rejects_bad_input(tmp_path: Path, args, message):
    data = write_dataset(tmp_path / "data")
    cmd = [sys.executable, "-m", "proofplan.cli", "eval", "prover", str(data), *args,
           "--out", str(tmp_path / "r.jsonl")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_eval_cli_missing_dataset(tmp_path: Path):
    cmd = [sys.executable, "-m", "proofplan.cli", "eval", "prover", str(tmp_path / "nope"),
           "--config", "auto", "--out", str(tmp_path / "r.jsonl")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "does not exist" in proc.stderr
