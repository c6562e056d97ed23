"""CLI commands: api (``plan api``, ``eval api``, ``data api-evalset``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from common.errors import ProofplanError
from proofplan.apps import data_app, eval_app, plan_app, run_app
from proofplan.output import JSON_HELP

PLANNERS = ("auto", "fast-downward", "pyperplan")
TRANSLATORS = ("builtin", "llm")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ProofplanError(f"--{name} must be one of {', '.join(choices)}, got {value!r}")


def _translator(kind: str, model: str | None, retries: int):
    from planner.api.extractor import extract

    if kind == "builtin":
        return extract
    from lm.registry import load_model
    from planner.api.llm_translator import LlmTranslator

    translator = LlmTranslator(load_model(model), max_retries=retries)
    return translator.translate


@plan_app.command("api")
def plan_api(
    request: Annotated[str, typer.Argument(help="The user's request in plain language.")],
    catalog: Annotated[str, typer.Option("--catalog", "-c", help="Bundled catalog name or a .yaml/.json path.")] = "travel",
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    pddl: Annotated[Path | None, typer.Option("--pddl", help="Write domain.pddl and problem.pddl into this folder.")] = None,
    planner: Annotated[str, typer.Option(help="auto (Fast Downward, pyperplan fallback), fast-downward or pyperplan.")] = "auto",
    translator: Annotated[str, typer.Option(help="builtin (catalog vocabulary) or llm (a model from lm/).")] = "builtin",
    model: Annotated[str | None, typer.Option(help="Model for --translator llm (default SmolLM2).")] = None,
    retries: Annotated[int, typer.Option(help="LLM re-asks after an invalid translation.")] = 2,
    select_apis: Annotated[int, typer.Option(help="Keep the top-k APIs by BM25 retrieval (0: all; auto above 40 APIs).")] = 0,
    time_limit: Annotated[float, typer.Option(help="Planner time limit in seconds.")] = 10.0,
) -> None:
    """Plan the API calls that serve REQUEST (get_info asks for what is missing)."""
    _check_choice("planner", planner, PLANNERS)
    _check_choice("translator", translator, TRANSLATORS)
    if time_limit <= 0:
        raise ProofplanError("--time-limit must be positive")
    from planner.api.catalog import load_catalog
    from planner.api.pipeline import plan_request

    cat = load_catalog(catalog)
    k = select_apis or (12 if len(cat.apis) > 40 else 0)
    if k > 0:
        from planner.api.selection import ApiSelector

        cat = ApiSelector(cat).select(request, k)
    parsed = _translator(translator, model, retries)(cat, request)
    plan, task, _ = plan_request(cat, parsed, planner=planner, time_limit=time_limit)  # type: ignore[arg-type]
    if pddl is not None:
        if task is None:
            raise ProofplanError(f"no PDDL task was built: {plan.message}")
        pddl.mkdir(parents=True, exist_ok=True)
        (pddl / "domain.pddl").write_text(task.domain)
        (pddl / "problem.pddl").write_text(task.problem)
    if as_json:
        typer.echo(plan.model_dump_json(indent=2))
    else:
        _print_plan(plan)
    if plan.status in ("no_reachable_goal", "timeout", "failed"):
        raise typer.Exit(1)


def _print_plan(plan) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    req = plan.request
    console.print(f"[bold]goals[/]: {', '.join(req.goals) or '(none found)'}")
    console.print("[bold]given[/]: " + (", ".join(f"{v.type}={v.value!r}" for v in req.values) or "(nothing)"))
    for goal, why in plan.unreachable.items():
        console.print(f"[red]unreachable[/] {goal}: {why}")
    if plan.status in ("no_reachable_goal", "timeout", "failed", "nothing_to_do"):
        console.print(f"[bold]{plan.status}[/]: {plan.message}")
        return
    console.print(f"[bold]plan[/] ({plan.planner}, {1000 * sum(plan.timings.get(k, 0) for k in ('asp', 'pddl', 'planner')):.0f} ms):")
    for step in plan.steps:
        console.print(f"  {step.index:2d}. {step.label()}")


@eval_app.command("api")
def eval_api(
    planner: Annotated[str, typer.Option(help="auto, fast-downward or pyperplan.")] = "auto",
    catalog: Annotated[str | None, typer.Option(help="Only the cases of this catalog.")] = None,
    limit: Annotated[int, typer.Option(help="Evaluate at most this many cases (0: all).")] = 0,
    evalset: Annotated[Path | None, typer.Option(help="Evaluation set (.jsonl); default data/api/evalset.jsonl.")] = None,
    out: Annotated[Path | None, typer.Option(help="Append outcomes here as they are made; resume from it.")] = None,
    translator: Annotated[str, typer.Option(help="builtin or llm.")] = "builtin",
    model: Annotated[str | None, typer.Option(help="Model for --translator llm.")] = None,
    show_failures: Annotated[bool, typer.Option(help="List failed cases with the reason.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run the API-planning evaluation set and print success per category and latency."""
    _check_choice("planner", planner, PLANNERS)
    _check_choice("translator", translator, TRANSLATORS)
    from rich.table import Table

    from planner.api.evalset import default_path, load_evalset
    from planner.api.evaluation import evaluate, summarise
    from proofplan.output import console as make_console
    from proofplan.output import echo_json

    path = evalset or default_path()
    if not path.exists():
        raise ProofplanError(f"evaluation set not found: {path}")
    cases = load_evalset(path)
    if catalog:
        cases = [c for c in cases if c.catalog == catalog]
    if limit > 0:
        cases = cases[:limit]
    if not cases:
        raise ProofplanError("no evaluation cases selected")
    translate = _translator(translator, model, 2)
    outcomes = list(evaluate(cases, translate, planner=planner, results_path=out))
    summary = summarise(outcomes)
    table = Table(title=f"API planner on {len(outcomes)} requests ({planner})")
    table.add_column("category")
    table.add_column("n", justify="right")
    table.add_column("success", justify="right")
    for cat_name, (n, share) in summary.by_category.items():
        table.add_row(cat_name, str(n), f"{100 * share:.1f}%")
    table.add_row("[bold]all[/]", str(summary.total), f"[bold]{100 * summary.success:.1f}%[/]")
    console = make_console(as_json, highlight=False)
    console.print(table)
    console.print(f"same calls as gold: {100 * summary.gold_calls_match:.1f}%; latency median "
                  f"{1000 * summary.median_s:.0f} ms, p95 {1000 * summary.p95_s:.0f} ms")
    if show_failures:
        for o in outcomes:
            if not o.success:
                console.print(f"[red]fail[/] {o.id}: {o.reason}")
    if as_json:
        echo_json({"planner": planner, "translator": translator, "summary": summary, "outcomes": outcomes})


@data_app.command("api-evalset")
def data_api_evalset(
    out: Annotated[Path | None, typer.Option(help="Output .jsonl (default data/api/evalset.jsonl).")] = None,
    per_category: Annotated[int, typer.Option(help="Cases per category (8 categories; 8 unreachable requests per catalog come on top).")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Regenerate the API-planning evaluation set (deterministic for a seed)."""
    from collections import Counter

    from planner.api.evalset import default_path, write_evalset
    from proofplan.output import echo_json

    cases = write_evalset(out, per_category=per_category, seed=seed)
    path = out or default_path()
    if as_json:
        echo_json({"out": path, "cases": len(cases), "seed": seed,
                   "categories": dict(sorted(Counter(c.category for c in cases).items()))})
    else:
        typer.echo(f"wrote {len(cases)} cases to {path}")


@eval_app.command("nestful")
def eval_nestful(
    limit: Annotated[int, typer.Option(help="Evaluate at most this many requests (0: all).")] = 0,
    data: Annotated[Path | None, typer.Option(help="NESTFUL requests (.json); default data/nestful/executable-data.json.")] = None,
    spec: Annotated[Path | None, typer.Option(help="Their function specs (.json, any NESTFUL form or tool list) "
                                                   "or an OpenAPI document.")] = None,
    out: Annotated[Path | None, typer.Option(help="Append per-request results here as they are made; resume from it.")] = None,
    planner: Annotated[str, typer.Option(help="pyperplan (default: these tasks have a handful of actions, "
                                              "and Fast Downward's start-up dominates), auto or fast-downward.")] = "pyperplan",
    year: Annotated[int, typer.Option(help="Year for dates that name none (NESTFUL's requests date from 2024).")] = 2024,
    show_failures: Annotated[int, typer.Option(help="List this many requests whose sequence differs from gold.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Plan NESTFUL's requests with the cue-free translator (no language model) and score them with
    NESTFUL's metrics: F1 of function names and of arguments, partial and full sequence accuracy."""
    _check_choice("planner", planner, PLANNERS)
    if limit < 0:
        raise ProofplanError("--limit must be 0 or positive")
    import torch
    from rich.table import Table

    from planner.api.importers import load_spec
    from planner.api.nestful import default_paths, evaluate, load_cases, off_spec, summarise
    from planner.api.spec_translator import SpecTranslator
    from proofplan.output import console as make_console
    from proofplan.output import echo_json
    from retrieval.encoder import SentenceTransformerEncoder

    torch.set_num_threads(1)  # the encoder stalls with 2 threads beside other work (see FACTS)
    default_data, default_spec = default_paths()
    cases = load_cases(data or default_data)
    if limit:
        cases = cases[:limit]
    imported = load_spec(spec or default_spec, "nestful")
    for line in imported.warnings:
        typer.echo(f"warning: {line}", err=True)
    catalog = imported.catalog
    translator = SpecTranslator(catalog, SentenceTransformerEncoder(), default_year=year)
    scores = list(evaluate(cases, translator, planner=planner, results_path=out))
    summary = summarise(scores)
    console = make_console(as_json, highlight=False)
    table = Table(title=f"NESTFUL, {summary.n} requests (no language model; {planner})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("function-name F1", f"{summary.f1_functions:.3f}")
    table.add_row("argument F1", f"{summary.f1_arguments:.3f}")
    table.add_row("partial sequence accuracy", f"{100 * summary.partial:.1f}%")
    table.add_row("full sequence accuracy", f"{100 * summary.full:.1f}%")
    by_id = {c.id: c for c in cases}
    on_spec = [s for s in scores if not off_spec(by_id[s.id], catalog)]
    table.add_row("full, gold on the spec's names only", f"{sum(s.full for s in on_spec)} of {len(on_spec)}")
    table.add_row("planning time median / p95", f"{1000 * summary.median_s:.0f} / {1000 * summary.p95_s:.0f} ms")
    console.print(table)
    for s in [s for s in scores if not s.full][:show_failures]:
        console.print(f"[red]differs[/] {s.id}: {by_id[s.id].text[:90]}")
        console.print(f"  ours: {[c['name'] for c in s.predicted]}{' ' + s.error if s.error else ''}")
        console.print(f"  gold: {[c['name'] for c in by_id[s.id].gold]}")
    if as_json:
        echo_json({"planner": planner, "summary": summary, "on_spec": {"n": len(on_spec), "full": sum(s.full for s in on_spec)},
                   "results": scores})


@plan_app.command("spec")
def plan_spec(
    request: Annotated[str, typer.Argument(help="The user's request in plain language.")],
    spec: Annotated[Path, typer.Option("--spec", "-s", help="An OpenAPI 3.0/3.1 or Swagger 2.0 document, or a tool list "
                                                        "(OpenAI, MCP tools/list, Anthropic, NESTFUL function specs).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the calls as JSON.")] = False,
    planner: Annotated[str, typer.Option(help="pyperplan (default: these tasks have a handful of actions, "
                                              "and Fast Downward's start-up dominates), auto or fast-downward.")] = "pyperplan",
    year: Annotated[int | None, typer.Option(help="Year for dates that name none (default: this year).")] = None,
) -> None:
    """Plan REQUEST against your own API specification, with no cue lists (calls in NESTFUL's format)."""
    _check_choice("planner", planner, PLANNERS)
    import datetime as dt

    from planner.api.importers import load_spec
    from planner.api.spec_translator import SpecTranslator
    from retrieval.encoder import SentenceTransformerEncoder

    imported = load_spec(spec)
    for line in imported.warnings:
        typer.echo(f"warning: {line}", err=True)
    catalog = imported.catalog
    translator = SpecTranslator(catalog, SentenceTransformerEncoder(), default_year=year or dt.date.today().year)
    result = translator.plan(request, planner=planner)
    if as_json:
        typer.echo(result.model_dump_json(indent=2, exclude={"plan"}))
        return
    for call in result.calls:
        args = ", ".join(f"{k}={v!r}" for k, v in call.arguments.items())
        typer.echo(f"{call.label} = {call.name}({args})")
    for ask in result.asks:
        typer.echo(f"get_info: {ask}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    if not result.calls:
        typer.echo(f"{result.plan.status}: {result.plan.message or 'no API call serves the request'}")
        raise typer.Exit(1)


def _load_answers(path: Path) -> dict:
    import json

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProofplanError(f"answers file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProofplanError(f"cannot read answers file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ProofplanError(f"{path.name}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise ProofplanError(f"{path.name}: answers must be a JSON object (parameter -> value)")
    return raw


@run_app.command("api")
def run_api(
    request: Annotated[str, typer.Argument(help="The user's request in plain language.")],
    spec: Annotated[Path, typer.Option("--spec", "-s", help="The service's OpenAPI 3.0/3.1 or Swagger 2.0 document.")],
    base_url: Annotated[str, typer.Option("--base-url", help="Where the service runs, e.g. http://127.0.0.1:8000 "
                                                          "(the document's server path, e.g. /api, is added).")],
    answers: Annotated[Path | None, typer.Option("--answers", help="A JSON object answering get_info questions "
                                                 "(parameter or label.parameter -> value); else they are asked here.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the calls without sending them.")] = False,
    planner: Annotated[str, typer.Option(help="pyperplan (default), auto or fast-downward.")] = "pyperplan",
    year: Annotated[int | None, typer.Option(help="Year for dates that name none (default: this year).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each response.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Plan REQUEST against an OpenAPI document, then call the operations over HTTP in plan order,
    passing each response's fields on to later calls. The first failure stops the run."""
    _check_choice("planner", planner, PLANNERS)
    if timeout <= 0:
        raise ProofplanError("--timeout must be positive")
    import datetime as dt

    import click

    from planner.api.http_runner import HttpRunner, RunError
    from planner.api.importers import load_spec
    from planner.api.spec_translator import SpecTranslator
    from proofplan.output import echo_json
    from retrieval.encoder import SentenceTransformerEncoder

    imported = load_spec(spec)
    for line in imported.warnings:
        typer.echo(f"warning: {line}", err=True)
    runner = HttpRunner(imported, base_url, timeout=timeout)
    given = _load_answers(answers) if answers is not None else None
    translator = SpecTranslator(imported.catalog, SentenceTransformerEncoder(), default_year=year or dt.date.today().year)
    plan = translator.plan(request, planner=planner)
    say = (lambda text: typer.echo(text, err=True)) if as_json else typer.echo
    for note in plan.notes:
        say(f"note: {note}")

    def ask(question):
        try:
            return typer.prompt(f"{question.text} [{question.call}.{question.param}]", err=as_json)
        except click.exceptions.Abort:
            raise RunError(f"no answer for {question.param!r} ({question.text})") from None

    source = given if given is not None else (None if dry_run else ask)
    result = runner.run(plan, source, dry_run=dry_run, on_call=lambda sent: say(sent.line()))
    if as_json:
        echo_json({"calls": [vars(c) for c in result.calls], "answers": result.answers, "outputs": result.outputs,
                   "notes": plan.notes, "dry_run": dry_run})
        return
    import json

    for label, value in result.outputs.items():
        typer.echo(f"output {label}: {json.dumps(value)}")


@data_app.command("nestful-variants")
def data_nestful_variants(
    out: Annotated[Path, typer.Option(help="Folder for the variant spec files.")],
    spec: Annotated[Path | None, typer.Option(help="The spec to rewrite (default: the bundled executable spec).")] = None,
) -> None:
    """Write NESTFUL's spec in every form the importer reads (arguments / allowed_values /
    default_value, a list of arguments, JSON Schema, repeated names, OpenAI tools, MCP tools/list);
    score one with ``proofplan eval nestful --spec FILE``."""
    import json

    from planner.api.nestful import default_paths
    from planner.api.nestful_variants import write_variants

    source = spec or default_paths()[1]
    if not source.is_file():
        raise ProofplanError(f"spec file not found: {source}")
    try:
        paths = write_variants(source, out)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProofplanError(f"{source.name}: not a JSON list of function specs ({exc})") from None
    except (AttributeError, TypeError, KeyError):
        raise ProofplanError(f"{source.name}: not a list of NESTFUL function specs (name, description, "
                             "query_parameters, output_parameters)") from None
    for path in paths:
        typer.echo(str(path))
