"""The train/eval commands of the generator and progress models, end to end on the fixture."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
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
    assert (export / "model.safetensors").is_file() and (export / "knn" / "states.npz").is_file()
    card = (export / "MODEL_CARD.md").read_text()
    assert "Ran 6 steps" in card and "top-1" in card and "128\n  nearest neighbours" in card

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


def test_knn_only_builds_an_index_that_suggests_training_tactics(coq_dataset, tmp_path):
    from prover.data.dataset import load_split
    from prover.models.generators import load_generator

    export = tmp_path / "export"
    res = CliRunner().invoke(app, ["train", "generator", str(coq_dataset), "--knn-only", "--export", str(export),
                                   "--out", str(tmp_path / "out"), "--val-eval", "4"])
    assert res.exit_code == 0, res.output
    assert not (export / "model.safetensors").exists()  # no seq2seq training happened
    prov = json.loads((export / "knn" / "provenance.json").read_text())
    assert prov["split"] == "random" and prov["dataset_name"] == coq_dataset.name
    knn = load_generator("knn", export)
    tactic = load_split(coq_dataset, "random", "train")[0].traced_tactics[0]
    suggestions = knn.suggest(tactic.state_before, [], 4)
    assert tactic.tactic in [c.tactic for c in suggestions]  # its own training state votes for it
    assert [c.logprob for c in suggestions] == sorted((c.logprob for c in suggestions), reverse=True)


# --json: stdout holds exactly one JSON document, tables and progress bars go to stderr.


def _json_run(*args: str) -> dict:
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def generator_doc(coq_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("json-gen") / "gen"
    doc = _json_run(
        "train", "generator", str(coq_dataset), "--out", str(out), "--max-steps", "4", "--eval-every", "2",
        "--d-model", "32", "--layers", "1", "--max-input-bytes", "128", "--batch-size", "8",
        "--max-tactic-bytes", "24", "--val-eval", "3",
    )
    return out, doc


@pytest.fixture(scope="module")
def progress_doc(coq_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("json-progress") / "progress"
    return out, _json_run("train", "progress", str(coq_dataset), "--out", str(out), "--epochs", "3")


def test_train_generator_json(generator_doc):
    out, doc = generator_doc
    assert doc["command"] == "train generator" and doc["output"] == str(out)
    assert doc["export"] == str(out / "export") and (out / "export" / "model.safetensors").is_file()
    assert doc["steps"] == 4 and doc["best_step"] in (2, 4) and doc["seconds"] > 0
    assert doc["best_val_loss"] is not None and math.isfinite(doc["best_val_loss"]) and doc["best_val_loss"] > 0
    assert doc["train_examples"] > doc["val_examples"] > 0 and doc["parameters"] > 1000
    assert [v["name"] for v in doc["validation"]] == ["byt5", "knn"]
    assert all(v["examples"] == 3 and 0 <= v["top1"] <= v["topk"] <= 1 for v in doc["validation"])


def test_eval_generator_json(coq_dataset, generator_doc):
    out, _ = generator_doc
    doc = _json_run("eval", "generator", str(coq_dataset), "--part", "train", "--model", str(out / "export"),
                    "--limit", "4", "--k", "2")
    assert doc["command"] == "eval generator" and doc["part"] == "train" and doc["tactics"] == 4 and doc["k"] == 2
    results = {r["name"]: r for r in doc["results"]}
    assert list(results) == ["byt5", "knn", "byt5+knn"]
    assert all(r["examples"] == 4 and r["k"] == 2 and 0 <= r["top1"] <= r["topk"] <= 1 for r in results.values())
    # The k-NN index holds the training states, so their own tactics come back first.
    assert results["knn"]["top1"] == 1.0


def test_train_progress_json(coq_dataset, progress_doc):
    from prover.models.progress_training import load_progress_examples

    out, doc = progress_doc
    assert doc["command"] == "train progress" and doc["output"] == str(out) and (out / "MODEL_CARD.md").is_file()
    assert 1 <= doc["best_epoch"] <= doc["epochs"] <= 3 and doc["seconds"] >= 0  # rounded to 0.1 s
    assert doc["best_val_loss"] is not None and doc["best_val_loss"] > 0
    assert doc["train_states"] == len(load_progress_examples(coq_dataset, "random", "train"))
    assert doc["val_states"] == len(load_progress_examples(coq_dataset, "random", "val"))
    assert [m["name"].split(" (")[0] for m in doc["validation"]] == ["progress model", "training median"]


def test_eval_progress_json(coq_dataset, progress_doc):
    from prover.models.progress import ProgressPredictor
    from prover.models.progress_training import load_progress_examples

    out, _ = progress_doc
    doc = _json_run("eval", "progress", str(coq_dataset), "--part", "test", "--model", str(out))
    steps = [e.steps for e in load_progress_examples(coq_dataset, "random", "test")]
    assert doc["command"] == "eval progress" and doc["states"] == len(steps) > 0
    model, baseline = doc["results"]
    assert model["name"] == "progress model" and model["examples"] == len(steps)
    assert 0 <= model["bin_accuracy"] <= model["within_one"] <= 1 and model["mae"] >= 0
    median = ProgressPredictor.load(out).settings.train_median
    assert baseline["mae"] == pytest.approx(sum(abs(median - s) for s in steps) / len(steps))
