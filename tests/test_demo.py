"""``proofplan demo`` (what ``make run`` runs) on the shipped data and models: proofs that coqc
accepted, a verified itinerary, an unsatisfiable trip with reasons and a verified repair, and an
API plan with a get_info step."""

from __future__ import annotations

import json
import subprocess
import sys


def test_demo_json_report() -> None:
    out = subprocess.run([sys.executable, "-m", "proofplan.cli", "demo", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)

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
