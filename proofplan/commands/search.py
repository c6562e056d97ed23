"""CLI commands: ``proofplan eval prover`` (benchmark a prover configuration on a dataset split)."""

from pathlib import Path

import typer

from proofplan.apps import eval_app
from proofplan.output import JSON_HELP
from prover import search_defaults


@eval_app.command("prover")
def eval_prover(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo layout) with theorem statements."),
    split: str = typer.Option("test", help="Part of the split to run: train | val | test."),
    split_kind: str = typer.Option("random", help="Which split: random | novel_premises."),
    limit: int | None = typer.Option(None, min=1, help="Only the first N theorems."),
    budget_seconds: float = typer.Option(20.0, min=0.1, help="Wall-clock budget per theorem."),
    max_expansions: int | None = typer.Option(None, min=1, help="Expansion budget per theorem."),
    config: str = typer.Option(
        "logprob+retrieval+progress",
        help="fixed | logprob | logprob+retrieval | logprob+retrieval+progress | fixed+sauto | "
        "logprob+retrieval+progress+sauto | auto | intuition | lia | firstorder | sauto | best",
    ),
    k: int = typer.Option(search_defaults.K, min=1, help="Tactics generated per expansion."),
    progress_weight: float = typer.Option(
        search_defaults.PROGRESS_WEIGHT, min=0.0, help="lambda in priority = logprob_sum - lambda * predicted_remaining."
    ),
    tactic_timeout: float = typer.Option(5.0, min=0.05, help="Time limit of one tactic."),
    models_dir: Path | None = typer.Option(None, help="Folder of the trained models (default: data/models)."),
    generator: str = typer.Option("mixture", help="Learned generator: byt5 | knn | mixture."),
    out: Path = typer.Option(Path("results.jsonl"), help="Results, one JSON line per theorem; reruns resume."),
    ray: bool = typer.Option(False, "--ray", help="Spread the theorems over Ray workers (needs the ray extra)."),
    ray_address: str | None = typer.Option(None, help="Ray cluster address (implies --ray); default: a local cluster."),
    workers: int = typer.Option(2, min=1, help="Ray workers, one proof assistant each."),
    shared_generator: bool = typer.Option(False, help="Ray: one generator actor batching all workers' requests."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Run a prover configuration on a dataset split; print pass@1 (resumes from --out)."""
    from proofplan.output import console as make_console
    from proofplan.output import echo_json, to_jsonable
    from prover.coq import CoqEnv
    from prover.evaluation import evaluate, load_benchmark, read_results, theorem_id
    from prover.prover_configs import ProverSettings, check_config, evaluation_prover

    check_config(config)
    theorems = load_benchmark(data, split_kind, split, limit)
    settings = ProverSettings(
        time_limit=budget_seconds,
        max_expansions=max_expansions,
        k=k,
        tactic_timeout=tactic_timeout,
        progress_weight=progress_weight,
        models_dir=models_dir,
        generator=generator,
        dataset_dir=data,
    )
    console = make_console(as_json)
    if ray or ray_address:
        from prover.distributed import RaySettings, evaluate_ray

        summary = evaluate_ray(theorems, config, settings, out,
                               RaySettings(ray_address, workers, shared_generator), console=console)
    else:
        with CoqEnv() as env:
            # Proofs are re-checked, with the leak check for statements whose context loads
            # their own file (the same prover the Ray workers build).
            prover = evaluation_prover(config, env, settings)
            summary = evaluate(theorems, prover, out, config, console=console)
    median = "-" if summary.median_time_to_proof is None else f"{summary.median_time_to_proof:.2f}s"
    console.print(
        f"{config}: pass@1 = {summary.pass_at_1:.3f} ({summary.proved}/{summary.total}), "
        f"median time to proof {median}, mean expansions {summary.mean_expansions:.1f}, "
        f"proofs rejected by re-check {summary.rejected_proofs}; results in {out}",
        highlight=False,
    )
    if as_json:
        wanted = {theorem_id(t) for t in theorems}
        records: dict[str, object] = {}
        for r in read_results(out):  # one per theorem, the first recorded (as the summary counts)
            if r.config == config and r.name in wanted:
                records.setdefault(r.name, r)
        echo_json({"summary": {**to_jsonable(summary), "pass_at_1": summary.pass_at_1},
                   "results_file": str(out), "records": list(records.values())})
