"""The train/eval commands of the generator and progress models, end to end on the fixture."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from proofplan import commands  # noqa: F401  (registers the commands)
from proofplan.apps import app


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "proofplan.cli", *args], capture_output=True, text=True, timeout=120)


def test_bad_input_is_one_line_error():
    res = _cli("train", "generator", "/nonexistent/dataset")
    assert res.returncode == 2
    assert res.stderr.strip() == "error: dataset folder /nonexistent/dataset does not exist"
    res = _cli("eval", "progress", ".", "--split", "bogus")
    assert res.returncode == 2 and "unknown split 'bogus'" in res.stderr
    assert "Traceback" not in res.stderr


def test_train_and_eval_commands(coq_dataset, tmp_path):
    runner = CliRunner()
    out = tmp_path / "gen"
    res = runner.invoke(app, [
        "train", "generator", str(coq_dataset), "--out", str(out), "--max-steps", "6", "--eval-every", "3",
        "--d-model", "64", "--layers", "1", "--max-input-bytes", "128", "--batch-size", "8",
        "--max-tactic-bytes", "24", "--val-eval", "4",
    ])
    assert res.exit_code == 0, res.output
    assert "trained 6 steps" in res.output
    export = out / "export"
    assert (export / "model.safetensors").is_file() and (export / "knn" / "index.faiss").is_file()
    card = (export / "MODEL_CARD.md").read_text()
    assert "Ran 6 steps" in card and "top-1" in card

    res = runner.invoke(app, ["eval", "generator", str(coq_dataset), "--model", str(export), "--limit", "4", "--k", "2"])
    assert res.exit_code == 0, res.output
    for name in ("byt5", "knn", "byt5+knn"):
        assert name in res.output

    prog = tmp_path / "progress"
    res = runner.invoke(app, ["train", "progress", str(coq_dataset), "--out", str(prog), "--epochs", "3",
                              ])
    assert res.exit_code == 0, res.output
    assert (prog / "MODEL_CARD.md").is_file()
    res = runner.invoke(app, ["eval", "progress", str(coq_dataset), "--split", "novel_premises", "--model", str(prog)])
    assert res.exit_code == 0, res.output
    assert "training median" in res.output and "exact-bin acc" in res.output
