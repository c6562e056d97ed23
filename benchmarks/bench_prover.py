"""Prover benchmark: Coq automation tactics vs best-first search configurations, side by side.

Every configuration runs on the same held-out theorems (the first ``--limit`` of the dataset's
``random`` test split) with the same per-theorem wall-clock budget, on CPU. Results go to one
JSONL file per configuration under ``--out-dir`` as each theorem finishes; a rerun resumes.

    python benchmarks/bench_prover.py --data data/coq/sample --limit 40 --budget-seconds 10

Prints proved share (pass@1), median time to proof, mean/median expansions and the number of
proofs the fresh-process re-check rejected, then the issue's targets: best search vs the best
single tactic and vs all automation together, and progress vs log-prob + retrieval.
``--progress-model length`` swaps the learned progress model for the state's length alone
(:class:`prover.models.progress.LengthBaseline`), to see what the model adds over a state's size; its
searches write ``<config>_length.jsonl``. The ablations ``--no-online-learning``,
``--template-weight 0`` and ``--premises-to-generator`` write ``<config>_offline.jsonl``,
``<config>_tw0.jsonl`` and ``<config>_premin.jsonl``, ``--no-premise-automation`` and a
``--generator`` other than the default write ``<config>_nopa.jsonl`` and ``<config>_knn.jsonl``
(or ``_mixture``), and ``--sauto-timeout 1`` and
``--hammer-limit 6`` write ``<config>_sauto1.jsonl`` and ``<config>_hammer6.jsonl`` (suffixes
combine). Each theorem is stated after its file's earlier sentences (``<config>_prefix.jsonl``;
``--imports``: after its record's imports, ``<config>.jsonl``). Each record carries the search's
seconds per phase (``timings``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from common.paths import REPO_ROOT, data_dir  # noqa: E402
from prover.search import defaults as search_defaults  # noqa: E402
from prover.search.configs import (  # noqa: E402
    ALL_CONFIGS,
    AUTOMATION_CONFIGS,
    ProverSettings,
    evaluation_prover,
    is_config,
    load_components,
    theorem_as_proved,
)
from prover.search.evaluation import (  # noqa: E402
    EvalSummary,
    evaluate,
    load_benchmark_run,
    read_results,
    theorem_id,
    with_file_prefix,
)

DEFAULT_CONFIGS = (*AUTOMATION_CONFIGS, "logprob", "logprob+retrieval", "logprob+retrieval+progress")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=data_dir() / "coq" / "sample")
    p.add_argument("--split", default="random")
    p.add_argument("--part", default="test")
    p.add_argument("--limit", type=int, default=40)
    p.add_argument("--sample", type=int, default=None, metavar="N",
                   help="instead of the split's part: a seeded random N of all the dataset's theorems (--part test: "
                        "the first N of the shuffle, --part val: the next N, for choices); for a library the models "
                        "never saw")
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--exclude-train-of", type=Path, default=None, metavar="DATASET",
                   help="leave out theorems of DATASET's train part of the same split (a model trained "
                        "there, e.g. the shipped ones on data/coq/sample, has seen them), before --limit")
    p.add_argument("--budget-seconds", type=float, default=10.0)
    p.add_argument("--max-expansions", type=int, default=None)
    p.add_argument("--k", type=int, default=search_defaults.K)
    p.add_argument("--max-repairs", type=int, default=search_defaults.MAX_REPAIRS,
                   help="repaired tactics (a lemma name a failed tactic got wrong, qualified as Coq's "
                        "Locate finds it) run per expansion at most; 0 turns repairs off")
    p.add_argument("--max-k", type=int, default=search_defaults.MAX_K,
                   help="candidates per state in the last widening round once the queue runs empty "
                        "(--max-k equal to --k: the search gives up when its queue is empty)")
    p.add_argument("--progress-weight", type=float, default=search_defaults.PROGRESS_WEIGHT)
    p.add_argument("--progress-model", choices=("learned", "length"), default="learned",
                   help="learned: the progress model of --models-dir; length: the state's length alone "
                        "(prover.models.progress.LengthBaseline fitted on --data's train part), an ablation")
    p.add_argument("--generator", default=ProverSettings.generator, help="byt5 | knn | mixture")
    p.add_argument("--no-online-learning", dest="online_learning", action="store_false",
                   help="ablation: the k-NN memory stays the trained one (by default earlier lemmas of a "
                        "theorem's file and proofs found earlier in the run join it; prover.search.online)")
    p.add_argument("--template-weight", type=float, default=ProverSettings.template_weight,
                   help="+retrieval: share of premise-template tactics in the candidates (0: none, the ablation)")
    p.add_argument("--premises-to-generator", action="store_true",
                   help="+retrieval: the seq2seq model also reads the retrieved premises (slower; off by default)")
    p.add_argument("--no-premise-automation", dest="premise_automation", action="store_false",
                   help="+retrieval+...+sauto: no hauto with the state's retrieved facts at each expansion "
                        "(an ablation)")
    p.add_argument("--sauto-timeout", type=float, default=search_defaults.SAUTO_TIMEOUT,
                   help="+sauto: seconds sauto, lia and the premise hauto may each take at each expansion")
    p.add_argument("--hammer-limit", type=float, default=None,
                   help="+hammer: seconds one hammer call may take (default: half the budget)")
    stated = p.add_mutually_exclusive_group()
    stated.add_argument("--file-prefix", dest="file_prefix", action="store_true", default=True,
                        help="state each theorem after its file's earlier sentences (every earlier lemma of its file "
                             "in scope, no later one), as Tactician and CoqHammer are measured (prover.coq.prefix); "
                             "the default; results go to <config>_prefix.jsonl")
    stated.add_argument("--imports", dest="file_prefix", action="store_false",
                        help="state each theorem after its record's imports instead, which may load its own file "
                             "(the leak check then refuses proofs through it or a later lemma); <config>.jsonl")
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--configs", default=",".join(DEFAULT_CONFIGS),
                   help=f"comma-separated, from: {', '.join(ALL_CONFIGS)}")
    p.add_argument("--out-dir", type=Path, default=REPO_ROOT / "data" / "generated" / "bench_prover")
    return p.parse_args(argv)


def results_file(args: argparse.Namespace, config: str) -> Path:
    """Where ``config``'s records go; a search with the length baseline gets its own file, so a
    rerun into the same folder never resumes one progress model's run with the other's."""
    suffix = "_length" if args.progress_model == "length" and "progress" in config else ""
    if not args.online_learning and config not in AUTOMATION_CONFIGS and config != "fixed":
        suffix += "_offline"
    if "retrieval" in config and args.template_weight != ProverSettings.template_weight:
        suffix += f"_tw{args.template_weight:g}"
    if "retrieval" in config and args.premises_to_generator:
        suffix += "_premin"
    if "retrieval" in config and "+sauto" in config and not args.premise_automation:
        suffix += "_nopa"
    if config.startswith("logprob") and args.generator != ProverSettings.generator:
        suffix += f"_{args.generator}"
    if "+sauto" in config and args.sauto_timeout != search_defaults.SAUTO_TIMEOUT:
        suffix += f"_sauto{args.sauto_timeout:g}"
    if config.endswith("+hammer") and args.hammer_limit is not None:
        suffix += f"_hammer{args.hammer_limit:g}"
    if args.file_prefix:
        suffix += "_prefix"
    if args.sample:
        suffix += f"_sample{args.sample}-{args.sample_seed}-{args.part}"
    return args.out_dir / f"{config.replace('+', '_')}{suffix}.jsonl"


def fmt_time(t: float | None) -> str:
    return "-" if t is None else f"{t:.2f}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(width=max(140, Console().width))
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in configs if not is_config(c)]
    if unknown:
        console.print(f"error: unknown configuration(s) {', '.join(unknown)}")
        return 2
    if not args.data.is_dir():
        console.print(f"skipped: no dataset at {args.data} (build data/coq/sample first)")
        return 0
    run = load_benchmark_run(args.data, args.split, args.part, args.limit, args.exclude_train_of, args.file_prefix,
                             sample=args.sample, sample_seed=args.sample_seed)
    theorems, plain = run.theorems, run.fallbacks
    settings = ProverSettings(
        time_limit=args.budget_seconds,
        max_expansions=args.max_expansions,
        k=args.k,
        max_k=args.max_k,
        tactic_timeout=5.0,
        max_repairs=args.max_repairs,
        progress_weight=args.progress_weight,
        models_dir=args.models_dir,
        generator=args.generator,
        dataset_dir=args.data,
        template_weight=args.template_weight,
        premises_to_generator=args.premises_to_generator,
        online_learning=args.online_learning,
        sauto_timeout=args.sauto_timeout,
        premise_automation=args.premise_automation,
        hammer_time_limit=args.hammer_limit,
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    console.print(
        f"{len(theorems)} theorems of {args.data} "
        f"{f'sample of {args.sample} (seed {args.sample_seed}) ' if args.sample else ''}{args.split}/{args.part}, "
        f"{args.budget_seconds:g} s each, k={args.k}, lambda={args.progress_weight:g}, "
        f"generator={args.generator}, progress model={args.progress_model}, online learning="
        f"{'on' if args.online_learning else 'off'}, template weight {args.template_weight:g}, premises to "
        f"the generator {'yes' if args.premises_to_generator else 'no'}; results in {args.out_dir}"
    )
    from prover.coq import CoqEnv

    summaries: dict[str, EvalSummary] = {}
    by_id = {theorem_id(t): t for t in theorems}
    proved_by: dict[str, set[str]] = {}
    started = time.monotonic()
    from prover.search.leak_check import FutureLemmaCheck

    length_baseline = None
    if args.progress_model == "length":
        from prover.models.progress_training import fit_length_baseline, load_progress_examples

        length_baseline = fit_length_baseline(load_progress_examples(args.data, args.split, "train"))
    from prover.search.evaluation import dataset_project

    project = dataset_project(args.data)
    with CoqEnv(project.coq_args if project is not None else None) as env:
        checker = FutureLemmaCheck.from_dataset(env, args.data)
        for config in configs:
            out = results_file(args, config)
            components = None
            if config not in AUTOMATION_CONFIGS:
                try:
                    components = load_components(config, settings, progress=length_baseline)
                except Exception as exc:  # a missing model skips its row, not the benchmark
                    console.print(f"[yellow]{config}: skipped ({exc})")
                    continue
            prover = evaluation_prover(config, env, settings, components, checker)
            if args.file_prefix:
                prover = with_file_prefix(prover, env, plain)
            summaries[config] = evaluate(theorems, prover, out, config)
            proved_by[config] = {r.name for r in read_results(out)
                                 if r.config == config and r.name in by_id and r.proved}
        # Independent audit: every reported proof is compiled again from its JSONL record.
        audit_failures: dict[str, int] = {}
        for config in summaries:
            out = results_file(args, config)
            failures = 0
            for rec in read_results(out):
                if rec.config == config and rec.proved and rec.name in by_id:
                    stated = plain[rec.name] if rec.timings.get("plain") else by_id[rec.name]
                    thm = theorem_as_proved(config, stated)
                    failures += not checker(thm, rec.proof or [])
            audit_failures[config] = failures
    elapsed = time.monotonic() - started

    table = Table(title=f"prover benchmark: {len(theorems)} theorems, {args.budget_seconds:g} s each (CPU)")
    for col in ("configuration", "proved", "pass@1", "median s to proof", "mean expansions",
                "median expansions", "found, rejected by re-check", "reported, failing audit"):
        table.add_column(col, justify="left" if col == "configuration" else "right")
    for config, s in summaries.items():
        table.add_row(config, f"{s.proved}/{s.total}", f"{s.pass_at_1:.3f}", fmt_time(s.median_time_to_proof),
                      f"{s.mean_expansions:.1f}", f"{s.median_expansions:g}", str(s.rejected_proofs),
                      str(audit_failures[config]))
    auto = [c for c in summaries if c in AUTOMATION_CONFIGS]
    if auto:
        union = set().union(*(proved_by[c] for c in auto))
        table.add_row(f"any automation ({len(auto)} tactics)", f"{len(union)}/{len(theorems)}",
                      f"{len(union) / len(theorems):.3f}", "-", "-", "-", "-", "-")
    console.print(table)

    search = [c for c in summaries if c not in AUTOMATION_CONFIGS]
    if auto and search:
        best_auto = max(auto, key=lambda c: summaries[c].proved)
        best_search = max(search, key=lambda c: summaries[c].proved)
        n_auto, n_search = summaries[best_auto].proved, summaries[best_search].proved
        ratio = f"{n_search / n_auto:.2f}" if n_auto else "undefined (the tactic proves none)"
        console.print(f"best search {best_search}: {n_search}; best single tactic {best_auto}: {n_auto} "
                      f"-> ratio {ratio} (target >= 1.5); all automation together: {len(union)} "
                      f"(target: best search > this)")
    if "logprob+retrieval" in summaries and "logprob+retrieval+progress" in summaries:
        delta = summaries["logprob+retrieval+progress"].pass_at_1 - summaries["logprob+retrieval"].pass_at_1
        console.print(f"progress guidance: {100 * delta:+.1f} points over log-prob + retrieval (target >= +3)")
    rejected = sum(s.rejected_proofs for s in summaries.values())
    if checker.rejected_for_leak:
        console.print(f"found proofs rejected for using the theorem itself or a later lemma of its file "
                      f"(this run): {len(checker.rejected_for_leak)} theorems")
    console.print(f"reported proofs failing the audit re-check: {sum(audit_failures.values())} (target 0); "
                  f"proofs found but rejected by the re-check (never reported): {rejected}; "
                  f"wall time of this run {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
