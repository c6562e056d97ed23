"""CLI commands: ``proofplan eval prover`` (benchmark a prover configuration on a dataset split)."""

from pathlib import Path

import typer

from common.errors import ProofplanError
from proofplan.apps import data_app, eval_app
from proofplan.output import JSON_HELP
from prover.search import defaults as search_defaults

MAX_K_HELP = ("Candidates per state in the last widening round once the search's queue runs empty before "
              "its budget ends (equal to --k: give up instead).")


@eval_app.command("prover")
def eval_prover(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo layout) with theorem statements."),
    split: str = typer.Option("test", help="Part of the split to run: train | val | test."),
    split_kind: str = typer.Option("random", help="Which split: random | novel_premises."),
    limit: int | None = typer.Option(None, min=1, help="Only the first N theorems."),
    budget_seconds: float = typer.Option(20.0, min=0.1, help="Wall-clock budget per theorem."),
    max_expansions: int | None = typer.Option(None, min=1, help="Expansion budget per theorem."),
    config: str = typer.Option(
        search_defaults.CONFIG,
        help="A generator (fixed, logprob) followed by +retrieval, +progress, +sauto, +hammer in that "
        "order, or an automation tactic: auto | intuition | lia | firstorder | sauto | best | hammer.",
    ),
    k: int = typer.Option(search_defaults.K, min=1, help="Tactics generated per expansion."),
    max_k: int = typer.Option(search_defaults.MAX_K, min=1, help=MAX_K_HELP),
    progress_weight: float = typer.Option(
        search_defaults.PROGRESS_WEIGHT, min=0.0, help="lambda in priority = logprob_sum - lambda * predicted_remaining."
    ),
    tactic_timeout: float = typer.Option(5.0, min=0.05, help="Time limit of one tactic."),
    models_dir: Path | None = typer.Option(None, help="Folder of the trained models (default: data/models)."),
    generator: str = typer.Option("mixture", help="Learned generator: byt5 | knn | mixture."),
    online_learning: bool = typer.Option(
        True, help="Earlier lemmas of each theorem's file and proofs found earlier in the run join the "
        "k-NN memory before the next theorem (Tactician's online learning; --no-online-learning: ablation)."),
    template_weight: float = typer.Option(
        search_defaults.TEMPLATE_WEIGHT, min=0.0, max=0.99, help="+retrieval: share of premise-template tactics (apply p., rewrite p., ...) "
        "among the candidates; 0: none."),
    premises_to_generator: bool = typer.Option(
        False, help="+retrieval: the seq2seq generator also reads the retrieved premises (slower)."),
    premise_automation: bool = typer.Option(
        True, help="+retrieval+...+sauto: CoqHammer's hauto with the state's first retrieved facts at every "
        "expansion (--no-premise-automation: ablation)."),
    file_prefix: bool = typer.Option(
        True, "--file-prefix/--imports",
        help="State each standard-library theorem after its file's earlier sentences (every earlier lemma in "
        "scope, no later one), as Tactician and CoqHammer are measured; --imports: after the record's imports, "
        "which may load the theorem's own file (the leak check then refuses proofs that use it or a later lemma)."),
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
    from prover.search.configs import ProverSettings, check_config, evaluation_prover
    from prover.search.evaluation import (
        evaluate,
        load_benchmark_run,
        read_results,
        theorem_id,
        with_file_prefix,
    )

    check_config(config)
    run = load_benchmark_run(data, split_kind, split, limit, file_prefix=file_prefix)
    theorems, plain = run.theorems, run.fallbacks
    settings = ProverSettings(
        time_limit=budget_seconds,
        max_expansions=max_expansions,
        k=k,
        max_k=max_k,
        tactic_timeout=tactic_timeout,
        progress_weight=progress_weight,
        models_dir=models_dir,
        generator=generator,
        dataset_dir=data,
        online_learning=online_learning,
        template_weight=template_weight,
        premises_to_generator=premises_to_generator,
        premise_automation=premise_automation,
    )
    console = make_console(as_json)
    if ray or ray_address:
        from prover.search.distributed import RaySettings, evaluate_ray

        summary = evaluate_ray(theorems, config, settings, out, RaySettings(ray_address, workers, shared_generator),
                               console=console, fallbacks=plain)
    else:
        with CoqEnv() as env:
            # Proofs are re-checked, with the leak check for statements whose context loads
            # their own file (the same prover the Ray workers build).
            prover = evaluation_prover(config, env, settings)
            if file_prefix:
                prover = with_file_prefix(prover, env, plain)
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


@data_app.command("search-pairs")
def search_pairs(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo layout) with theorem statements."),
    split: str = typer.Option("val", help="Part of the split whose theorems to search: train | val | test."),
    split_kind: str = typer.Option("random", help="Which split: random | novel_premises."),
    skip: int = typer.Option(0, min=0, help="Leave out the first N theorems (e.g. those a benchmark tunes on)."),
    limit: int | None = typer.Option(None, min=1, help="Then take at most N theorems."),
    exclude_train_of: Path | None = typer.Option(
        None, help="Leave out theorems in this dataset's train part first (as benchmarks/bench_prover.py does)."),
    shard: str = typer.Option("0/1", help="I/N: search every N-th theorem from the I-th (parallel runs)."),
    budget_seconds: float = typer.Option(10.0, min=0.1, help="Wall-clock budget per theorem."),
    config: str = typer.Option("logprob+retrieval", help="Search configuration whose trees give the pairs."),
    k: int = typer.Option(search_defaults.K, min=1, help="Tactics generated per expansion."),
    models_dir: Path | None = typer.Option(None, help="Folder of the trained models (default: data/models)."),
    out: Path = typer.Option(Path("search_pairs.jsonl"), help="One JSON line per theorem; reruns resume."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Search theorems and keep, from each proved tree, the proof path and its sibling pairs
    (training data for `train progress --search-pairs`)."""
    from proofplan.output import console as make_console
    from proofplan.output import echo_json
    from prover.coq import CoqEnv
    from prover.search.configs import (
        AUTOMATION_CONFIGS,
        ProverSettings,
        check_config,
        evaluation_prover,
    )
    from prover.search.evaluation import load_benchmark, theorem_id
    from prover.search.pairs import collect_pairs

    check_config(config)
    if config in AUTOMATION_CONFIGS:
        raise ProofplanError(f"{config!r} is an automation baseline; search pairs need a search configuration")
    try:
        index, count = (int(x) for x in shard.split("/"))
    except ValueError:
        raise ProofplanError(f"--shard must look like I/N, got {shard!r}") from None
    if count < 1 or not 0 <= index < count:
        raise ProofplanError(f"--shard {shard}: need 0 <= I < N")
    theorems = load_benchmark(data, split_kind, split, exclude_train_of=exclude_train_of)
    # A pairs file is keyed by theorem name: of theorems sharing a name (same-named lemmas of
    # different sections), the first is kept.
    unique: dict = {}
    for t in theorems:
        unique.setdefault(theorem_id(t), t)
    shared = len(theorems) - len(unique)
    theorems = list(unique.values())[skip:]
    theorems = (theorems[:limit] if limit is not None else theorems)[index::count]
    if not theorems:
        raise ProofplanError(f"no theorems of {split} left to search after --skip {skip} and --shard {shard}")
    settings = ProverSettings(time_limit=budget_seconds, k=k, models_dir=models_dir, dataset_dir=data)
    console = make_console(as_json)
    if shared:
        console.print(f"{shared} theorems share their name with an earlier one and are left out", highlight=False)
    with CoqEnv() as env:
        records = collect_pairs(theorems, evaluation_prover(config, env, settings), out, console=console)
    proved = sum(r.proved for r in records)
    pairs = sum(len(r.pairs) for r in records)
    console.print(f"{len(records)} theorems searched, {proved} proved, {pairs} sibling pairs; results in {out}",
                  highlight=False)
    if as_json:
        echo_json({"summary": {"theorems": len(records), "proved": proved, "pairs": pairs}, "results_file": str(out),
                   "records": [{"name": r.name, "proved": r.proved, "expansions": r.expansions, "time": r.time,
                                "proof_length": len(r.path), "pairs": len(r.pairs)} for r in records]})
