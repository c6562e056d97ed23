"""``proofplan prove --file``: the holes of a real file proved by a real search, the file
re-checked by coqc and written back; what cannot be proved stays Admitted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proofplan.cli import app
from prover.coq.holes import find_holes
from prover.coq.project import CoqProject
from prover.search.configs import ProverSettings
from prover.search.evaluation import load_benchmark_run
from prover.search.holes import HoleFiller, compile_file, trace_project

pytestmark = pytest.mark.skipif(shutil.which("coqtop") is None, reason="Coq is not installed")

DEV = Path(__file__).resolve().parents[1] / "fixtures" / "dev"

SMALL = """Require Import Arith.

Inductive color := Red | Green | Blue.

Definition next (c : color) : color :=
  match c with Red => Green | Green => Blue | Blue => Red end.

Lemma next_next_next : forall c, next (next (next c)) = c.
Proof.
Admitted.

Lemma wrong : forall n : nat, n + 1 = n.
Admitted.

Lemma next_red : next Blue = Red.
Proof.
  admit.
Admitted.
"""


def test_fill_small_file_writes_what_recompiles(tmp_path: Path) -> None:
    path = tmp_path / "Colors.v"
    path.write_text(SMALL)
    with HoleFiller("fixed+sauto", ProverSettings(time_limit=8), learn=False) as filler:
        report = filler.fill_file(path, write=True)
    by_name = {h.name: h for h in report.holes}
    assert set(by_name) == {"next_next_next", "wrong", "next_red"}
    assert by_name["next_next_next"].proved and by_name["next_red"].proved
    assert not by_name["wrong"].proved and by_name["wrong"].proof is None
    assert report.rechecked and report.written == str(path)
    assert Path(report.backup).read_text() == SMALL
    written = path.read_text()
    assert [h.name for h in find_holes(written)] == ["wrong"]
    proc = subprocess.run(["coqc", "-q", str(path)], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_cli_json_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "Colors.v"
    path.write_text(SMALL)
    res = runner.invoke(app, ["prove", "--file", str(path), "--config", "fixed+sauto", "--budget-seconds", "8",
                              "--no-learn", "--json"])
    assert res.exit_code == 1  # `wrong` stays a hole
    data = json.loads(res.stdout)
    assert data["proved"] == 2 and data["rechecked"] and data["written"] is None
    assert [h["name"] for h in data["holes"] if not h["proved"]] == ["wrong"]
    assert path.read_text() == SMALL  # no --write: untouched

    bad = tmp_path / "Bad.v"
    bad.write_text("Lemma x : True.\nAdmitted.\nDefinition oops := undefined_name.\n")
    for args, why in ((["--file", str(bad), "--config", "fixed"], "undefined_name"),
                      (["--file", str(tmp_path / "none.v")], "is not a Coq .v file"),
                      (["True", "--file", str(path)], "give no STATEMENT")):
        r = subprocess.run([sys.executable, "-m", "proofplan.cli", "prove", *args], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 2 and r.stderr.startswith("error: ") and why in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_trace_project_and_its_dataset(tmp_path: Path) -> None:
    shutil.copytree(DEV, tmp_path / "dev")
    project = CoqProject.folder(tmp_path / "dev")
    project.compile()
    assert not project.missing_vo()
    out = trace_project(project, tmp_path / "ds")
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["file_order"] == ["dev/Base.v", "dev/Trees.v"]
    assert CoqProject.from_json(meta["project"]) == project
    corpus = {json.loads(line)["path"]: json.loads(line) for line in (out / "corpus.jsonl").read_text().splitlines()}
    assert "dev/Base.v" in corpus["dev/Trees.v"]["imports"]
    assert "theories/Lists/List.v" in corpus["dev/Base.v"]["imports"]
    names = {p["full_name"] for p in corpus["dev/Trees.v"]["premises"]}
    assert {"Dev.Trees.mirror", "Dev.Trees.total_mirror", "Dev.Trees.size_mirror"} <= names
    report = json.loads((out / "trace_report.json").read_text())
    assert report["theorem_lemma_traced"] == 3  # sum_app, sum_rev, total_mirror; the holes are counted apart
    theorems = [t for part in ("train", "val", "test")
                for t in json.loads((out / "random" / f"{part}.json").read_text())]
    assert {t["full_name"] for t in theorems} == {"Dev.Base.sum_app", "Dev.Base.sum_rev", "Dev.Trees.total_mirror"}
    # a seeded sample of the dataset's theorems: test and val disjoint, the same on every call,
    # each stated after its own file's prefix (read from the project's folder)
    test = load_benchmark_run(out, sample=2, sample_seed=5, part="test", file_prefix=True).theorems
    val = load_benchmark_run(out, sample=2, sample_seed=5, part="val", file_prefix=True).theorems
    assert len(test) == 2 and len(val) == 1 and not {t.full_name for t in test} & {t.full_name for t in val}
    assert [t.full_name for t in test] == [t.full_name for t in load_benchmark_run(
        out, sample=2, sample_seed=5, part="test").theorems]
    trees = [t for t in test + val if t.full_name == "Dev.Trees.total_mirror"][0]
    assert "From Dev Require Import Base." in trees.prelude and trees.prelude[-1].startswith("Definition is_leaf")
    # the whole file compiles with its project's load path; a broken copy does not
    src = (project.root / "Trees.v").read_text()
    assert compile_file(project, "Trees.v", src)[0]
    ok, why = compile_file(project, "Trees.v", src.replace("Lemma total_mirror", "Lemma total_mirror : False. Qed. Lemma x", 1))
    assert not ok and why
