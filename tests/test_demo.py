"""``proofplan demo --json``: proofs that coqc accepted, a verified itinerary, an unsatisfiable
trip with reasons and a verified repair, and an API plan with a get_info step.

The proofs here use the model-free ``fixed+sauto`` configuration to keep the suite fast; the
default run (``make run``, shipped models) is run by ``tests/test_readme.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_json_report() -> None:
    out = subprocess.run([sys.executable, "-m", "proofplan.cli", "demo", "--json", "--config", "fixed+sauto"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)

    assert report["config"] == "fixed+sauto"
    proofs = report["proofs"]
    assert len(proofs) >= 3
    proved = [p for p in proofs if p["status"] == "proved"]
    assert proved, proofs
    # every proof the search reports was re-checked by coqc in a fresh process
    assert all(p["coqc_ok"] and p["proof"] for p in proved)

    trip = report["trip"]
    assert trip["status"] == "sat" and len(trip["plan"]) == trip["spec"]["days"]
    assert trip["total_cost"] <= trip["spec"]["budget"]

    unsat = report["unsat_trip"]
    assert unsat["status"] == "unsat" and unsat["reasons"] and unsat["repairs"]
    replanned = unsat["replanned"]
    assert replanned["status"] == "sat"
    assert replanned["total_cost"] <= replanned["spec"]["budget"]
    assert replanned["spec"] == unsat["repairs"][0]["spec"]  # the re-plan used the best repair

    plan = report["api_plan"]
    assert plan["status"] == "planned"
    kinds = [s["kind"] for s in plan["steps"]]
    assert "get_info" in kinds and kinds.count("call") >= 2
    assert plan["steps"][-1]["api"] == "checkout"


def test_demo_rejects_an_unknown_config() -> None:
    out = subprocess.run([sys.executable, "-m", "proofplan.cli", "demo", "--config", "nonsense"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "unknown configuration" in out.stderr and "Traceback" not in out.stderr


def test_auto_config_follows_the_shipped_models(tmp_path: Path) -> None:
    from proofplan.commands.demo import LEARNED, choose_config

    assert choose_config(tmp_path) == "fixed+sauto"
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "config.json").write_text("{}")
    assert choose_config(tmp_path) == LEARNED  # the default configuration with the shipped models
