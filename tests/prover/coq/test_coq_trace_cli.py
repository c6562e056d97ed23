"""`proofplan data trace-coq` end to end on two small standard-library files: the dataset is
written, every re-assembled proof passes coqc, and a rerun reuses the per-file cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from prover.data.dataset import load_split

FILES = "Bool/Zerob.v,Bool/DecBool.v"


def _trace(out: Path) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-m", "proofplan.cli", "data", "trace-coq", "--out", str(out),
         "--files", FILES, "--jobs", "1", "--check", "-1", "--corpus", "reachable", "--json"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_trace_coq_json_writes_a_checked_dataset_and_resumes(tmp_path: Path) -> None:
    first, log = _trace(tmp_path / "ds")
    assert "0 already traced" in log
    report = first["report"]
    assert report["files_ok"] == 2 and not report["files_failed"]
    assert report["proofs_traced"] > 0 and report["steps"] >= report["proofs_traced"]
    assert first["recheck"]["accepted"] == first["recheck"]["proofs"] == report["proofs_traced"]
    parts = [load_split(tmp_path / "ds", "random", p) for p in ("train", "val", "test")]
    traced = [t for part in parts for t in part]
    assert len(traced) == report["proofs_traced"]
    assert {t.file_path.split("/")[-1] for t in traced} == {"Zerob.v", "DecBool.v"}
    assert all(tac.steps_remaining and tac.steps_remaining >= 1
               for t in traced for tac in t.traced_tactics)

    cache = sorted(p.name for p in (tmp_path / "ds" / "cache").rglob("*") if p.is_file())
    assert cache, "a per-file cache is kept for resuming"
    again, log = _trace(tmp_path / "ds")
    assert "2 files selected, 2 already traced" in log
    assert again["report"]["proofs_traced"] == report["proofs_traced"]
