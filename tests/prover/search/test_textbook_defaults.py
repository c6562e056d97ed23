"""The default configuration on a few of our textbook theorems (tests/prover/fixtures/textbook.jsonl;
the whole set: ``proofplan prove tests/prover/fixtures/textbook.jsonl``, README "prover, textbook")."""

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from prover.data.theorem_files import read_theorem_file
from prover.search.configs import DEFAULT_CONFIG, ProverSettings
from prover.search.mode import run_search_mode

TEXTBOOK = Path(__file__).resolve().parents[1] / "fixtures" / "textbook.jsonl"
FAST = ("nat_add_regroup", "bool_negb_andb", "logic_contrapositive", "list_app_nil")


def test_textbook_set_is_well_formed():
    theorems = read_theorem_file(TEXTBOOK)
    assert len(theorems) >= 50
    topics = {t.name.split("_")[0] for t in theorems}
    assert {"nat", "bool", "logic", "list", "z"} <= topics


@pytest.mark.timeout(120)
def test_default_configuration_proves_textbook_theorems(tmp_path: Path):
    records = [json.loads(line) for line in TEXTBOOK.read_text().splitlines()]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in records if r["name"] in FAST))
    out = tmp_path / "proofs.jsonl"
    console = Console(file=io.StringIO())
    assert run_search_mode(str(subset), DEFAULT_CONFIG, ProverSettings(time_limit=20), out=out, console=console), \
        console.file.getvalue()
    proofs = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(p["name"] for p in proofs if p["proved"]) == sorted(FAST)
