"""CLI command: ``proofplan demo``, the main job that ``make run`` runs on bundled examples.

Four stages, each on data and models shipped in ``data/``:

1. a few held-out theorems of the bundled Coq sample (``data/coq/sample``, random split, test
   part) proved by best-first search, each proof re-checked by ``coqc`` in a fresh process;
2. a trip request planned with z3 and verified by the TravelPlanner checks;
3. the same request with a budget too small: reasons, verified repairs, and the re-plan with
   the best repair;
4. an API request with a missing input, planned with clingo and Fast Downward (``get_info``
   asks for the missing value).

The search uses the default configuration (``prover.search.configs.DEFAULT_CONFIG``) with the
shipped models when ``data/models`` holds a trained generator (see :data:`LEARNED`); without one
it falls back to the model-free ``fixed+sauto`` configuration and says so. ``--config`` picks any named configuration.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from proofplan.apps import app

if TYPE_CHECKING:
    from rich.console import Console

    from planner.travel.spec import TripSpec
    from prover.env import Theorem
    from prover.search.configs import ProverSettings, SearchComponents

#: Held-out (test-part) theorems of data/coq/sample whose context does not load their own file.
DEMO_THEOREMS: tuple[str, ...] = (
    "Coq.Bool.Bool.implb_false_l",
    "Coq.Bool.Bool.andb_false_intro2",
    "Coq.Arith.PeanoNat.Nat.pred_succ",
    "Coq.Arith.Compare_dec.not_le",
    "Coq.Bool.Bool.negb_true_iff",
)
TRIP_REQUEST = ("Please help me plan a trip from St. Petersburg to Rockford spanning 3 days from March "
                "16th to March 18th, 2022. The travel should be planned for a single person with a "
                "budget of $1,700.")
UNSAT_TRIP_REQUEST = TRIP_REQUEST.replace("$1,700", "$1,000")
API_CATALOG = "shopping"
API_REQUEST = "Please place the order for a yoga mat under $40, 2 units, ship to 12 Oak Street."


@dataclass
class ProofOutcome:
    """One theorem of the prover stage."""

    theorem: str
    statement: str
    status: str
    seconds: float
    expansions: int
    proof: list[str] | None = None
    coqc_ok: bool | None = None
    coqc_seconds: float | None = None


@dataclass
class DemoReport:
    """Everything the demo printed, for ``--json``."""

    config: str = ""
    proofs: list[ProofOutcome] = field(default_factory=list)
    trip: dict[str, Any] = field(default_factory=dict)
    unsat_trip: dict[str, Any] = field(default_factory=dict)
    api_plan: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


#: What ``--config auto`` uses when a trained generator is shipped: the default configuration
#: with the shipped generator (ByT5 + k-NN mixture, or ByT5 alone), retriever and progress
#: model. The premise index of the sample's 6,220 premises is built on the first run (minutes on
#: a CPU) and cached under ``data/generated/premise_index``; later runs load it.
LEARNED = "learned"


def models_root(models_dir: Path | None = None) -> Path:
    from common.paths import data_dir

    return Path(models_dir) if models_dir is not None else data_dir() / "models"


def choose_config(models_dir: Path | None = None) -> str:
    """``learned`` when a trained tactic generator is shipped, else ``fixed+sauto``."""
    return LEARNED if (models_root(models_dir) / "generator" / "config.json").is_file() else "fixed+sauto"


def learned_components(settings: ProverSettings) -> tuple[SearchComponents, str]:
    """The default configuration's parts from the shipped models (see :data:`LEARNED`), and a
    label for them."""
    from prover.search.configs import DEFAULT_CONFIG, load_components

    kind = "mixture" if (models_root(settings.models_dir) / "generator" / "knn").is_dir() else "byt5"
    components = load_components(DEFAULT_CONFIG, replace(settings, generator=kind))
    return components, f"{DEFAULT_CONFIG} ({kind} generator)"


def prove_stage(console: Console, report: DemoReport, config: str, models_dir: Path | None,
                budget_seconds: float, names: tuple[str, ...] = DEMO_THEOREMS) -> None:
    """Prove ``names`` from the bundled sample with ``config``; re-check each proof with coqc."""
    from rich.progress import Progress

    from common.paths import data_dir
    from prover.coq import CoqEnv
    from prover.coq.env import CoqcResult
    from prover.search.configs import DEFAULT_CONFIG, ProverSettings, build_prover
    from prover.search.evaluation import load_benchmark, theorem_id

    dataset = data_dir() / "coq" / "sample"
    by_name = {t.full_name: t for t in load_benchmark(dataset, "random", "test")}
    theorems = [by_name[n] for n in names if n in by_name]
    settings = ProverSettings(time_limit=budget_seconds, k=8, tactic_timeout=5.0,
                              models_dir=models_dir, dataset_dir=dataset)
    components, label = None, config
    if config == LEARNED:
        with console.status("loading the shipped models (the premise index is built on the first run) ..."):
            components, label = learned_components(settings)
    report.config = label
    console.rule(f"[bold]1. Coq proofs by best-first search[/bold] ({label})")
    if config == "fixed+sauto" and choose_config(models_dir) != LEARNED:
        console.print("[yellow]no trained tactic generator in data/models: using the model-free "
                      "fixed+sauto configuration[/yellow]")
    with CoqEnv() as env:
        # the search's own coqc re-check of each proof is the one the demo reports (not a second run)
        checks: dict[tuple[str, str, tuple[str, ...]], CoqcResult] = {}

        def checker(theorem: Theorem, proof: list[str]) -> bool:
            check = env.check_with_coqc(theorem, proof)
            checks[(theorem.name, theorem.context, tuple(proof))] = check
            return check.ok

        with console.status("loading the search configuration ..."):
            prover = build_prover(DEFAULT_CONFIG if config == LEARNED else config, env, settings, components,
                                  checker=checker)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("proving", total=len(theorems))
            for thm in theorems:
                bar.update(task, description=f"proving {thm.name}")
                result = prover(thm)
                out = ProofOutcome(theorem_id(thm), thm.statement, result.status,
                                   round(result.time, 2), result.expansions, result.proof)
                if result.proved and result.proof is not None:
                    key = (result.theorem.name, result.theorem.context, tuple(result.proof))
                    check = checks.get(key) or env.check_with_coqc(result.theorem, result.proof)
                    out.coqc_ok, out.coqc_seconds = check.ok, round(check.seconds, 2)
                report.proofs.append(out)
                bar.advance(task)
                _print_proof(console, thm, out)
    proved = sum(p.status == "proved" and bool(p.coqc_ok) for p in report.proofs)
    console.print(f"[bold]{proved}/{len(report.proofs)} theorems proved and re-checked by coqc[/bold]")


def _print_proof(console: Console, thm: Theorem, out: ProofOutcome) -> None:
    head = f"{out.theorem}: {out.status} in {out.seconds:.2f} s, {out.expansions} expansions"
    if out.status != "proved":
        console.print(f"[red]{head}[/red]", highlight=False)
        return
    check = "accepted by coqc" if out.coqc_ok else "REJECTED by coqc"
    console.print(f"[green]{head}[/green]; {check} ({out.coqc_seconds:.2f} s)", highlight=False)
    from prover.search.mode import proof_script

    console.print(proof_script(thm, out.proof or []), markup=False, highlight=False)


def trip_stage(console: Console, report: DemoReport) -> None:
    """Plan :data:`TRIP_REQUEST` and print the itinerary."""
    from planner.travel.api import plan_text

    console.rule("[bold]2. A trip request -> z3 -> verified itinerary[/bold]")
    console.print(f"request: {TRIP_REQUEST}", highlight=False)
    outcome = plan_text(TRIP_REQUEST)
    _print_spec(console, outcome.spec)
    if outcome.itinerary is None or outcome.status != "sat":
        console.print(f"[red]no plan: {outcome.status} {outcome.message}[/red]")
    else:
        console.print(outcome.itinerary.table())
        console.print(f"verified by the TravelPlanner checks; total ${outcome.itinerary.total_cost:,} "
                      f"within ${outcome.spec.budget:,}; solved in {outcome.seconds:.2f} s", highlight=False)
    report.trip = outcome.to_json()


def unsat_stage(console: Console, report: DemoReport) -> None:
    """Plan :data:`UNSAT_TRIP_REQUEST`: no plan, reasons, verified repairs, re-plan with the best."""
    from planner.travel.api import plan_spec, plan_text
    from planner.travel.repairs import explain_and_repair

    console.rule("[bold]3. An unsatisfiable trip -> reasons -> verified repairs -> re-plan[/bold]")
    console.print(f"request: {UNSAT_TRIP_REQUEST}", highlight=False)
    outcome = plan_text(UNSAT_TRIP_REQUEST)
    report.unsat_trip = {"status": outcome.status}
    if outcome.status == "sat":
        console.print("[red]unexpectedly, a plan exists[/red]")
        return
    console.print(f"[bold red]no plan exists[/bold red] ({outcome.status}, {outcome.seconds:.2f} s)")
    repairs = explain_and_repair(outcome.spec, outcome)
    repairs.print(console)
    report.unsat_trip.update(repairs.to_json())
    if not repairs.repairs:
        return
    best = repairs.repairs[0]
    replanned = plan_spec(best.spec)
    console.print(f"re-plan with repair 1 ({best.description}): {replanned.status}", highlight=False)
    if replanned.itinerary is not None and replanned.status == "sat":
        console.print(replanned.itinerary.table(title="Repaired itinerary"))
    report.unsat_trip["replanned"] = replanned.to_json()


def api_stage(console: Console, report: DemoReport) -> None:
    """Plan :data:`API_REQUEST` over the bundled shopping catalog."""
    from planner.api.asp import request_facts
    from planner.api.catalog import load_catalog
    from planner.api.extractor import extract
    from planner.api.pipeline import plan_request

    console.rule("[bold]4. An API request -> clingo -> PDDL -> Fast Downward -> calls[/bold]")
    console.print(f"request ({API_CATALOG} catalog): {API_REQUEST}", highlight=False)
    catalog = load_catalog(API_CATALOG)
    request = extract(catalog, API_REQUEST)
    plan, _, _ = plan_request(catalog, request)
    console.print(f"goals: {', '.join(request.goals)}; given: "
                  + ", ".join(f"{v.type}={v.value!r}" for v in request.values), highlight=False)
    console.print("ASP facts of the request: " + " ".join(request_facts(request).split()), highlight=False, markup=False)
    console.print(f"missing inputs (asked with get_info): {', '.join(plan.missing) or 'none'}", highlight=False)
    console.print(f"[bold]plan[/bold] ({plan.status}, {plan.planner}):")
    for step in plan.steps:
        console.print(f"  {step.index:2d}. {step.label()}", highlight=False, markup=False)
    report.api_plan = json.loads(plan.model_dump_json())


def _print_spec(console: Console, spec: TripSpec) -> None:
    console.print(f"spec: {spec.origin} -> {spec.destination}, {spec.days} days ({spec.dates[0]} to "
                  f"{spec.dates[-1]}), {spec.people} people, budget ${spec.budget:,}", highlight=False)


@app.command()
def demo(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON report instead of tables."),
    config: str = typer.Option(
        "auto", help="Search configuration for the proofs (auto: the learned one when its models are shipped)."
    ),
    models_dir: Path | None = typer.Option(None, help="Trained models folder (default data/models)."),
    budget_seconds: float = typer.Option(15.0, min=0.1, help="Search budget per theorem, in seconds."),
    skip_proofs: bool = typer.Option(False, "--skip-proofs", help="Only the planning stages."),
) -> None:
    """Run every stage on bundled examples: Coq proofs, a trip, an impossible trip repaired, an API plan.

    The proofs come from best-first search and are re-checked by coqc; the trip is verified by
    the TravelPlanner checks; the API plan asks for its missing input with get_info.
    """
    import io

    from rich.console import Console

    from prover.search.configs import check_config

    chosen = choose_config(models_dir) if config == "auto" else check_config(config)
    console = Console(file=io.StringIO()) if as_json else Console()
    report = DemoReport()
    stages = [("trip", lambda: trip_stage(console, report)), ("unsat_trip", lambda: unsat_stage(console, report)),
              ("api", lambda: api_stage(console, report))]
    if not skip_proofs:
        stages.insert(0, ("proofs", lambda: prove_stage(console, report, chosen, models_dir, budget_seconds)))
    for name, run in stages:
        t0 = time.monotonic()
        run()
        report.seconds[name] = round(time.monotonic() - t0, 2)
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=1, default=str))
        return
    console.rule()
    console.print("stage times: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
