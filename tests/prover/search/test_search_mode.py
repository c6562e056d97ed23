"""`proofplan prove` search mode: theorem files, proof scripts, trees, resumable --out."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from prover.data.theorem_files import TheoremFileError, read_theorem_file
from prover.search.configs import ProverSettings
from prover.search.evaluation import read_results
from prover.search.mode import run_search_mode

COQ_FILE = """Require Import Lia.
Theorem add_0 : forall n : nat, n + 0 = n.
Proof. lia. Qed.
(* a comment with a dot. inside *)
Lemma and_sym : forall P Q : Prop, P /\\ Q -> Q /\\ P.
Lemma false_succ : forall n : nat, n = S n.
"""


def test_coq_theorem_file(tmp_path: Path):
    path = tmp_path / "t.v"
    path.write_text(COQ_FILE)
    thms = read_theorem_file(path)
    assert [t.name for t in thms] == ["add_0", "and_sym", "false_succ"]
    assert thms[1].statement == "forall P Q : Prop, P /\\ Q -> Q /\\ P"
    assert all(t.context == "Require Import Lia." for t in thms)


def test_jsonl_theorem_file_and_errors(tmp_path: Path):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"full_name": "A.b.c", "statement": "True"},
        {"name": "d", "statement": "1 = 1", "context": "Require Import Arith."},
    ]))
    thms = read_theorem_file(path)
    assert [(t.name, t.full_name) for t in thms] == [("c", "A.b.c"), ("d", None)]
    (tmp_path / "bad.jsonl").write_text('{"name": "x"}\n')
    with pytest.raises(TheoremFileError, match="no statement"):
        read_theorem_file(tmp_path / "bad.jsonl")
    with pytest.raises(TheoremFileError, match="does not exist"):
        read_theorem_file(tmp_path / "missing.v")


def test_search_mode_on_a_file_writes_trees_and_resumable_results(tmp_path: Path):
    path = tmp_path / "t.v"
    path.write_text(COQ_FILE)
    console = Console(record=True, width=200)
    settings = ProverSettings(time_limit=10, max_expansions=5)
    out = tmp_path / "r.jsonl"
    ok = run_search_mode(str(path), "fixed", settings, tree=tmp_path / "tree.svg", out=out, console=console)
    assert ok is False  # false_succ cannot be proved
    text = console.export_text()
    assert "Theorem and_sym : forall P Q : Prop, P /\\ Q -> Q /\\ P.\nProof." in text
    assert "2/3 proved" in text
    assert sorted(p.name for p in tmp_path.glob("tree-*.svg")) == [
        "tree-add_0.svg", "tree-and_sym.svg", "tree-false_succ.svg"]
    records = {r.name: r for r in read_results(out)}
    assert records["add_0"].proved and not records["false_succ"].proved
    # A rerun finds every theorem done and proves nothing again.
    console2 = Console(record=True, width=200)
    run_search_mode(str(path), "fixed", settings, out=out, console=console2)
    assert "Proof." not in console2.export_text()
    assert len(read_results(out)) == 3


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "proofplan.cli", "prove", *args],
                          capture_output=True, text=True, timeout=120)


def test_prove_cli_search_mode(tmp_path: Path):
    svg = tmp_path / "tree.svg"
    ok = run_cli("forall P Q : Prop, P -> Q -> P /\\ Q", "--config", "fixed", "--tree", str(svg))
    assert ok.returncode == 0, ok.stderr
    assert "Proof." in ok.stdout and "Qed." in ok.stdout and svg.read_text().count("<svg") == 1
    failed = run_cli("forall n : nat, n = S n", "--config", "fixed", "--max-expansions", "2")
    assert failed.returncode == 1
    assert "exhausted" in failed.stdout or "expansion_budget" in failed.stdout
    bad = run_cli("True", "--config", "nonsense")
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown configuration")
