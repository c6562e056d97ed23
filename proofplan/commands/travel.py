"""CLI commands: travel (``plan travel``, ``eval travelplanner``, ``eval travel-unsat``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from common.errors import ProofplanError
from proofplan.apps import eval_app, plan_app
from proofplan.output import JSON_HELP

MODES = ("sole", "two-stage")
TRANSLATORS = ("parser", "llm")
LLM_MODES = ("fill", "full")
LLM_TIMEOUT_HELP = "Time limit in seconds for --translator llm, model load included."
LLM_MODE_HELP = ("fill: the model reads only the fields the rule parser could not (the default); "
                 "full: the model writes the whole spec.")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ProofplanError(f"--{name} must be one of {', '.join(choices)}, got {value!r}")


def _translator(kind: str, model: str | None, llm_timeout: float, llm_mode: str, quiet: bool = False):
    """The parser, or the LLM translator reporting each step on stderr (unless `quiet`)."""
    _check_choice("translator", kind, TRANSLATORS)
    _check_choice("llm-mode", llm_mode, LLM_MODES)
    if not llm_timeout > 0:
        raise ProofplanError("--llm-timeout must be positive")
    if kind == "parser":
        from planner.travel.parser import RuleBasedParser

        return RuleBasedParser()
    import time

    from planner.travel.llm_translator import load_translator

    start = time.monotonic()

    def log(message: str) -> None:
        if not quiet:
            typer.echo(f"[llm {time.monotonic() - start:6.1f} s] {message}", err=True)

    return load_translator(model, mode=llm_mode, timeout=llm_timeout, log=log)  # type: ignore[arg-type]


@plan_app.command("travel")
def plan_travel(
    query: Annotated[str | None, typer.Argument(help="The travel request in plain language.")] = None,
    spec_file: Annotated[Path | None, typer.Option("--spec", help="A TripSpec JSON file (skips translation).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan (and reasons/repairs) as JSON.")] = False,
    translator: Annotated[str, typer.Option(help="parser (built in) or llm (a model from lm/).")] = "parser",
    model: Annotated[str | None, typer.Option(help="Model for --translator llm (default SmolLM2).")] = None,
    llm_timeout: Annotated[float, typer.Option(help=LLM_TIMEOUT_HELP)] = 120.0,
    llm_mode: Annotated[str, typer.Option(help=LLM_MODE_HELP)] = "fill",
    reference: Annotated[Path | None, typer.Option(help="Reference information JSON (sole-planning mode).")] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit in seconds.")] = 10.0,
    apply: Annotated[int | None, typer.Option("--apply", help="Re-plan with repair N of an unsat request.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Draw the day-by-day costs against the budget (.png/.svg).")] = None,
    answer: Annotated[list[str] | None, typer.Option(
        "--answer", help="FIELD=VALUE settling a doubt of the reading (e.g. transportation='no flight'); repeatable.")] = None,
    answers: Annotated[Path | None, typer.Option(
        "--answers", help="A JSON object of field: value settling the reading's doubts.")] = None,
) -> None:
    """Plan a trip for QUERY with z3 over the TravelPlanner database and print it as a table."""
    _check_choice("translator", translator, TRANSLATORS)
    if time_limit <= 0:
        raise ProofplanError("--time-limit must be positive")
    if (query is None) == (spec_file is None):
        raise ProofplanError("give either a QUERY or --spec FILE (exactly one)")
    from planner.travel.api import load_spec_file, plan_spec
    from planner.travel.request_answers import apply_answers, parse_answers

    given = parse_answers(answer or [], answers)
    if spec_file is not None:
        spec = load_spec_file(spec_file)
    else:
        from planner.travel.translate import translate_checked

        spec, doubts = translate_checked(_translator(translator, model, llm_timeout, llm_mode), query or "")
        given = _settle(doubts, given)
    if given:
        spec = apply_answers(spec, given)
    mode = "two-stage"
    ref = None
    if reference is not None:
        try:
            ref = json.loads(reference.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ProofplanError(f"cannot read reference information {reference}: {exc}") from None
        mode = "sole"
    outcome = plan_spec(spec, mode, ref, time_limit)
    repairs = None
    if outcome.status in ("unsat", "unknown"):
        from planner.travel.repairs import explain_and_repair

        repairs = explain_and_repair(spec, outcome, mode=mode, reference=ref, time_limit=time_limit)
        if apply is not None:
            if not repairs.repairs:
                raise ProofplanError("no verified repair to apply")
            if not 1 <= apply <= len(repairs.repairs):
                raise ProofplanError(f"--apply must be between 1 and {len(repairs.repairs)}")
            spec = repairs.repairs[apply - 1].spec
            outcome = plan_spec(spec, mode, ref, time_limit)
            repairs = None
    elif apply is not None:
        raise ProofplanError("--apply only applies when the request has no plan")
    if chart is not None and outcome.itinerary is not None and outcome.status == "sat":
        from planner.charts import draw_travel_costs

        draw_travel_costs(outcome.itinerary, spec.people, spec.budget, chart)
    if as_json:
        data = outcome.to_json()
        if repairs is not None:
            data.update(repairs.to_json())
        typer.echo(json.dumps(data, indent=1))
        if outcome.status != "sat":
            raise typer.Exit(1)
        return
    from rich.console import Console

    console = Console()
    _print_spec(console, spec)
    if outcome.itinerary is not None and outcome.status == "sat":
        console.print(outcome.itinerary.table())
        note = "cheapest plan (proved)" if outcome.itinerary.optimal else outcome.message
        console.print(f"verified by the TravelPlanner checks; {note}; solved in {outcome.seconds:.2f} s")
        return
    if outcome.status == "rejected":
        console.print(f"[red]{outcome.message}[/red]")
        raise typer.Exit(1)
    word = "no plan exists" if outcome.status == "unsat" else f"no plan found before the time limit ({outcome.message})"
    console.print(f"[bold red]{word}[/bold red]")
    if repairs is not None:
        repairs.print(console)
    else:
        for c in outcome.core:
            console.print(f"  - {c.text}")
    raise typer.Exit(1)


def _settle(doubts: list, given: dict[str, str]) -> dict[str, str]:
    """Answers for every doubt of the reading: given ones, else asked at a terminal; with no
    terminal, a one-line refusal naming what was not read. Never plans without them."""
    import sys

    from planner.travel.request_answers import CHOICES, field_of, unresolved

    left = unresolved(doubts, given)
    if not left:
        return given
    if any(field_of(d.field) is None for d in left) or not sys.stdin.isatty():
        d = left[0]
        name = field_of(d.field)
        how = (f"answer with --answer '{name}=VALUE'" + (f" ({', '.join(CHOICES[name])})" if name in CHOICES else "")
               if name else "rephrase the request")
        more = f" (and {len(left) - 1} more)" if len(left) > 1 else ""
        raise ProofplanError(f"request not planned: {d.line()}{more}; {how}")
    for d in left:
        name = field_of(d.field)
        if name in given:
            continue
        hint = f" [{'/'.join(CHOICES[name])}]" if name in CHOICES else ""
        given[name] = typer.prompt(f"{d.line()}\n  {name}{hint}")
    return given


def _print_spec(console, spec) -> None:
    lc = spec.local
    extras = [x for x in (lc.house_rule and f"house rule: {lc.house_rule}",
                          lc.cuisine and f"cuisine: {', '.join(lc.cuisine)}",
                          lc.room_type and f"room: {lc.room_type}", lc.transportation) if x]
    console.print(f"[bold]{spec.origin} -> {spec.destination}[/bold], {spec.days} days "
                  f"({spec.dates[0]} to {spec.dates[-1]}), {spec.visiting_city_number} city(ies), "
                  f"{spec.people} people, budget ${spec.budget:,}" + (f"; {'; '.join(extras)}" if extras else ""))


@eval_app.command("travelplanner")
def eval_travelplanner(
    split: Annotated[str, typer.Option(help="Split (only 'train' is bundled).")] = "train",
    mode: Annotated[str, typer.Option(help="sole (reference information) or two-stage (database).")] = "two-stage",
    translator: Annotated[str, typer.Option(help="parser or llm.")] = "parser",
    model: Annotated[str | None, typer.Option(help="Model for --translator llm.")] = None,
    llm_timeout: Annotated[float, typer.Option(help=LLM_TIMEOUT_HELP + " Per query.")] = 120.0,
    llm_mode: Annotated[str, typer.Option(help=LLM_MODE_HELP)] = "fill",
    out: Annotated[Path | None, typer.Option(help="Where to write the JSON results.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N queries.")] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit per query in seconds.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    queries: Annotated[Path | None, typer.Option(
        "--queries", help="A split file in the benchmark's CSV layout (e.g. validation.csv) instead of --split; "
        "sole mode reads its reference_information column.")] = None,
    plans: Annotated[Path | None, typer.Option(
        "--plans", help="Also write the plans in the leaderboard's submission format (JSONL: idx, query, plan).")] = None,
    database: Annotated[Path | None, typer.Option(
        "--database", help="Two-stage mode: the benchmark's database/ folder (default: the bundled one, whose "
        "flights cover the train split only).")] = None,
) -> None:
    """Plan every query of a TravelPlanner split and print the benchmark's metrics."""
    _check_choice("mode", mode, MODES)
    chosen = _translator(translator, model, llm_timeout, llm_mode, quiet=True)
    if queries is None and split != "train":
        raise ProofplanError(f"split {split!r} is not bundled (only 'train'; give a downloaded split with --queries)")
    if queries is not None and not queries.is_file():
        raise ProofplanError(f"--queries {queries} is not a file")
    if database is not None and not (database / "accommodations").is_dir():
        raise ProofplanError(f"--database {database} is not the benchmark's database folder (no accommodations/)")
    if limit is not None and limit < 1:
        raise ProofplanError("--limit must be at least 1")
    from common.paths import data_dir
    from planner.travel.benchmark import run_eval
    from proofplan.output import console as make_console
    from proofplan.output import echo_json

    name = queries.stem if queries is not None else split
    out = out or data_dir() / "generated" / "travel" / f"eval_{name}_{mode}_{translator}.json"
    console = make_console(as_json)
    with console.status("planning ...") as status:
        summary = run_eval(split, mode, chosen, time_limit, out, limit,
                           progress=lambda r: status.update(f"query {r.idx}: {r.status} ({r.seconds:.2f} s)"),
                           queries_file=queries, plans_out=plans,
                           db_root=database.resolve().parent if database is not None else None)
    print_summary(console, summary)
    console.print(f"results written to {out}")
    if plans is not None:
        console.print(f"plans in the submission format written to {plans}")
    if as_json:
        echo_json(summary)


def print_summary(console, summary: dict) -> None:
    from rich.table import Table

    from planner.travel.evaluation import PAPER_NAMES, SUMMARY_METRICS

    if summary.get("scored") == 0:
        planned = sum(1 for r in summary["per_query"] if r["status"] == "sat")
        console.print(f"{summary['split']}: {planned} of {summary['n']} queries planned; the file has no "
                      "structured fields, so the plans are not scored")
        return
    t = Table(title=f"TravelPlanner {summary['split']} — {summary['mode']}, translator {summary['translator']}")
    t.add_column("metric")
    t.add_column("all", justify="right")
    levels = [k for k in ("easy", "medium", "hard") if k in summary["per_level"]]
    for lv in levels:
        t.add_column(lv, justify="right")
    for name, key in SUMMARY_METRICS:
        t.add_row(name, f"{summary['metrics'][key]:.1%}", *[f"{summary['per_level'][lv][key]:.1%}" for lv in levels])
    for key, value in summary["metrics"]["per_check"].items():
        t.add_row(f"  {PAPER_NAMES.get(key, key)}", f"{value:.1%}",
                  *[(f"{summary['per_level'][lv]['per_check'][key]:.1%}" if key in summary['per_level'][lv]['per_check']
                     else "-") for lv in levels])
    console.print(t)
    acc, tr = summary["translation_accuracy"], summary["translation"]
    console.print(f"translation against the file's constraint columns: exact {tr['exact']:.1%}; flagged, not planned: "
                  f"{tr['flagged'] or 'none'}; planned on a misread: {tr['silently_wrong'] or 'none'}")
    console.print("  per field: " + ", ".join(f"{k} {v:.0%}" for k, v in acc.items()))
    s, c = summary["solve_seconds"], summary["cost"]
    console.print(f"solve time: median {s['median']:.2f} s, p95 {s['p95']:.2f} s, max {s['max']:.2f} s")
    console.print(f"cost: ours ${c['ours_total']:,} vs annotated ${c['human_total']:,}; "
                  f"more expensive than annotated: {c['more_expensive_than_human'] or 'none'}; "
                  f"provably cheapest: {c['provably_cheapest']}/{summary['n']}")
    if summary["failures"]:
        console.print(f"failed queries: {sorted(summary['failures'])}")
    if summary.get("official_metrics"):
        console.print(f"official scripts' rules (re-implemented): final pass rate "
                      f"{summary['official_metrics']['final_pass_rate']:.1%}; evaluators disagree on "
                      f"{summary['evaluators_disagree_on'] or 'no plan'}")


@eval_app.command("travel-unsat")
def eval_travel_unsat(
    out: Annotated[Path | None, typer.Option(help="Where to write the JSON results.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N requests.")] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit per solve in seconds.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Explain and repair every request of the unsat set; print the shares explained and repaired."""
    if limit is not None and limit < 1:
        raise ProofplanError("--limit must be at least 1")
    from common.paths import data_dir
    from planner.travel.unsat_bench import print_unsat_benchmark
    from proofplan.output import console, echo_json

    out = out or data_dir() / "generated" / "travel" / "eval_travel_unsat.json"
    summary = print_unsat_benchmark(console(as_json), limit=limit, time_limit=time_limit, out=out)
    if as_json:
        typer.echo(f"results written to {out}", err=True)
        echo_json(summary)
    else:
        typer.echo(f"results written to {out}")


@eval_app.command("travel-requests")
def eval_travel_requests(
    requests: Annotated[Path | None, typer.Argument(
        help="JSONL of requests with gold specs (default: the hand-written set, data/travel_requests).")] = None,
    translator: Annotated[list[str] | None, typer.Option(
        help="parser and/or llm; repeat the option to compare them side by side.")] = None,
    model: Annotated[str | None, typer.Option(help="Model for --translator llm (default SmolLM2).")] = None,
    llm_timeout: Annotated[float, typer.Option(help=LLM_TIMEOUT_HELP + " Per request.")] = 120.0,
    llm_mode: Annotated[str, typer.Option(help=LLM_MODE_HELP)] = "fill",
    limit: Annotated[int | None, typer.Option(help="Only the first N requests.")] = None,
    every: Annotated[int, typer.Option(help="Only every N-th request (a spread-out subset).")] = 1,
    out: Annotated[Path | None, typer.Option(help="Folder for the per-request JSONL results.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Translation accuracy on requests with gold specs: exact specs, each field, time per request."""
    from common.paths import data_dir
    from planner.travel.request_eval import accuracy_table, evaluate_requests, load_requests
    from proofplan.output import console as make_console
    from proofplan.output import echo_json

    if limit is not None and limit < 1:
        raise ProofplanError("--limit must be at least 1")
    if every < 1:
        raise ProofplanError("--every must be at least 1")
    path = requests or data_dir() / "travel_requests" / "handwritten.jsonl"
    items = load_requests(path)[::every][:limit]
    out = out or data_dir() / "generated" / "travel" / "requests"
    console = make_console(as_json)
    summaries = []
    for kind in translator or ["parser"]:
        chosen = _translator(kind, model, llm_timeout, llm_mode, quiet=True)
        with console.status(f"{kind}: translating ...") as status:
            summary = evaluate_requests(
                chosen, items, out / f"{path.stem}_{kind}.jsonl",
                progress=lambda r, k=kind: status.update(f"{k}: request {r.idx} {'right' if r.exact else 'WRONG'} "
                                                        f"({r.seconds:.2f} s)"))
        if kind == "llm":
            summary.translator = f"llm ({llm_mode}; model called {chosen.model_calls}x)"
        summaries.append(summary)
    console.print(accuracy_table(summaries, f"{path} ({len(items)} requests)"))
    console.print(f"per-request results written under {out}")
    if as_json:
        echo_json({"requests": str(path), "n": len(items), "translators": [s.to_json() for s in summaries]})
