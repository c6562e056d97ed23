"""``proofplan eval prover --json``: one JSON document on stdout, matching the results file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from common.paths import data_dir
from prover.search.evaluation import read_results

SAMPLE = data_dir() / "coq" / "sample"


@pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")
def test_eval_prover_json(tmp_path: Path):
    out = tmp_path / "r.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "proofplan.cli", "eval", "prover", str(SAMPLE), "--config", "fixed",
         "--limit", "2", "--max-expansions", "3", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=120, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    summary = doc["summary"]
    assert summary["config"] == "fixed" and summary["total"] == 2
    assert summary["pass_at_1"] == summary["proved"] / 2
    records = read_results(out)
    assert [d["name"] for d in doc["records"]] == [rec.name for rec in records]
    assert summary["proved"] == sum(d["proved"] for d in doc["records"])
    assert "pass@1" in r.stderr


@pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")
def test_search_pairs_json(tmp_path: Path):
    from prover.search.pairs import read_tree_records

    out = tmp_path / "pairs.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "proofplan.cli", "data", "search-pairs", str(SAMPLE), "--split", "test",
         "--config", "fixed", "--skip", "4", "--limit", "8", "--budget-seconds", "5", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=180, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    records = read_tree_records(out)
    assert [d["name"] for d in doc["records"]] == [rec.name for rec in records]
    assert doc["summary"] == {"theorems": 8, "proved": sum(rec.proved for rec in records),
                              "pairs": sum(len(rec.pairs) for rec in records)}
    # the fixed tactics prove some of these (`ifdec_left`, `implb_false_l`), so proof paths are compared too
    assert doc["summary"]["proved"] >= 1
    assert [d["proof_length"] for d in doc["records"]] == [len(rec.path) for rec in records]
    assert all(d["proof_length"] > 0 for d in doc["records"] if d["proved"])
    assert "theorems searched" in r.stderr


@pytest.mark.skipif(not (SAMPLE / "random" / "test.json").is_file(), reason="no Coq sample dataset")
def test_eval_prover_states_theorems_after_their_file_prefix_unless_imports(tmp_path: Path):
    env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin"}

    def run(out: Path, *extra: str) -> list:
        cmd = [sys.executable, "-m", "proofplan.cli", "eval", "prover", str(SAMPLE), "--config", "fixed",
               "--limit", "2", "--max-expansions", "3", "--out", str(out), *extra]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stderr
        return read_results(out)

    records = run(tmp_path / "prefix.jsonl")  # the default
    assert len(records) == 2
    # each theorem was stated after its file prefix (loaded before the clock), or searched plainly
    assert all("prelude" in rec.timings or rec.timings.get("plain") == 1.0 for rec in records)
    assert any("prelude" in rec.timings for rec in records)
    imports = run(tmp_path / "imports.jsonl", "--imports")
    assert len(imports) == 2 and not any("prelude" in rec.timings or "plain" in rec.timings for rec in imports)
