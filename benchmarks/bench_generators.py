"""Benchmark the tactic generators and the progress predictor (issues 8 and 9).

For each test split (random, novel_premises) it scores, against the human tactic:
(a) the byte-level T5 (8 beams, gold premises in the input), (b) the k-NN generator and
(a)+(b) their equal-weight mixture: top-1 and top-8 exact match (whitespace-normalised).
A model is only scored on the test part of the dataset and split it was trained on (``provenance.json``):
the shipped default (``data/models/<kind>/``, random) or ``data/models/<kind>/novel_premises/``,
else ``data/generated/<kind>-<split>/`` (``proofplan train generator DATA --split S --out data/generated/generator-S``,
``proofplan train progress DATA --split S --out data/generated/progress-S``).
Then the seq2seq model's latency per goal with 8 beams on CPU, one goal at a time and batched
(target <= 100 ms per goal batched), and the progress metrics beside two baselines: the training
median, and the state's length alone (:class:`prover.models.progress.LengthBaseline`).

    python benchmarks/bench_generators.py [--data data/coq/sample] [--limit N]
    python benchmarks/bench_generators.py --data data/generated/coq_stdlib --models-dir data/generated/full/models
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from common.paths import data_dir
from prover.models.generators.byt5 import ByT5Generator
from prover.models.generators.combined import mix
from prover.models.generators.evaluation import generate_batched, latency_per_goal, topk_accuracy
from prover.models.generators.knn import KnnGenerator
from prover.models.generators.pipeline import load_examples, read_provenance
from prover.models.progress import ProgressPredictor
from prover.models.progress_training import (
    evaluate_length_baseline,
    evaluate_progress,
    fit_length_baseline,
    load_progress_examples,
)

SPLITS = ("random", "novel_premises")
REPO = Path(__file__).resolve().parents[1]


def model_folder(kind: str, split: str, data: Path, models_dir: Path | None = None) -> Path | None:
    """The model trained on ``split`` of the dataset ``data`` (its folder name, as recorded in
    ``provenance.json``): under ``models_dir`` when given, else the shipped default or
    data/generated/."""
    if models_dir is not None:
        candidates = (models_dir / kind, models_dir / kind / split)
    else:
        candidates = (data_dir() / "models" / kind, data_dir() / "models" / kind / split,
                      REPO / "data" / "generated" / f"{kind}-{split}" / "export",
                      REPO / "data" / "generated" / f"{kind}-{split}")
    for folder in candidates:
        prov = read_provenance(folder)
        if prov is not None and prov.get("split") == split and prov.get("dataset_name") == data.resolve().name:
            return folder
    return None


def knn_folder(generator: Path | None, split: str, data: Path, models_dir: Path | None) -> Path | None:
    """The k-NN index that goes with ``generator``, or one built alone (``--knn-only``)."""
    if generator is not None:
        return generator / "knn"
    if models_dir is not None:
        return model_folder("knn", split, data, models_dir / "generator")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "coq" / "sample")
    parser.add_argument("--limit", type=int, default=0, help="only the first N test tactics per split")
    parser.add_argument("--latency-goals", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy machine)")
    parser.add_argument("--models-dir", type=Path, default=None,
                        help="score the models of this folder (generator/, progress/) instead of the shipped ones")
    args = parser.parse_args()
    console = Console(highlight=False)
    if not (args.data / "random" / "test.json").is_file():
        console.print(f"no dataset at {args.data}; nothing to benchmark")
        return
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    console.print(f"data {args.data}; {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}; "
                  f"load average {os.getloadavg()[0]:.1f}")
    k = 8
    table = Table(title=f"tactic generators: exact match against the human tactic (k={k}; (a) given the "
                        "gold premises of the human tactic, or none)")
    for col in ("split", "tactics", "generator", "top-1", "top-8", "s/goal"):
        table.add_column(col, justify="left" if col in ("split", "generator") else "right")
    for split in SPLITS:
        folder = model_folder("generator", split, args.data, args.models_dir)
        knn_dir = knn_folder(folder, split, args.data, args.models_dir)
        examples = load_examples(args.data, split, "test")
        if args.limit:
            examples = examples[: args.limit]
        if knn_dir is None:
            table.add_row(split, str(len(examples)), "no model trained on this split", "-", "-", "-")
            continue
        knn = KnnGenerator.load(knn_dir)
        n = max(len(examples), 1)
        t0 = time.perf_counter()
        b = generate_batched(knn, examples, k=k)
        knn_secs = (time.perf_counter() - t0) / n
        top1, top8 = topk_accuracy(b, examples, k)
        table.add_row(split, str(len(examples)), "(b) k-NN", f"{top1:.3f}", f"{top8:.3f}", f"{knn_secs:.3f}")
        if folder is None:
            table.add_row(split, str(len(examples)), "(a) no seq2seq model trained on this split", "-", "-", "-")
            continue
        byt5 = ByT5Generator.load(folder)
        for premises in (True, False):
            tag = "gold premises" if premises else "no premises"
            t0 = time.perf_counter()
            a = generate_batched(byt5, examples, k=k, use_premises=premises)
            secs = (time.perf_counter() - t0) / n
            ab = [mix([x, y], [math.log(0.5)] * 2, k) for x, y in zip(a, b, strict=True)]
            for name, cands, sec in ((f"(a) byt5, {tag}", a, secs), (f"(a)+(b) mixture, {tag}", ab, secs + knn_secs)):
                top1, top8 = topk_accuracy(cands, examples, k)
                table.add_row(split, str(len(examples)), name, f"{top1:.3f}", f"{top8:.3f}", f"{sec:.3f}")
    console.print(table)

    default = data_dir() / "models" / "generator"
    if args.models_dir is None and (read_provenance(default) is not None or (default / "model.safetensors").is_file()):
        gen = ByT5Generator.load(default)
        goals = load_examples(args.data, "random", "test")[: args.latency_goals]
        lat = Table(title=f"seq2seq latency per goal, 8 beams, CPU ({len(goals)} test goals, gold premises)")
        lat.add_column("batch")
        lat.add_column("ms per goal", justify="right")
        latency_per_goal(gen, goals[:4], k=k, batch_size=4)  # warm-up
        for batch in (1, 16, 32):
            ms = 1000 * latency_per_goal(gen, goals, k=k, batch_size=batch)
            lat.add_row(str(batch), f"{ms:.0f}")
        console.print(lat)

    prog = Table(title="progress predictor (bins 1, 2, 3-4, 5-8, 9-16, >16; test parts)")
    for col in ("split", "predictor", "states", "exact-bin acc", "within +-1", "MAE", "same-proof order"):
        prog.add_column(col, justify="left" if col in ("split", "predictor") else "right")
    for split in SPLITS:
        folder = model_folder("progress", split, args.data, args.models_dir)
        if folder is None:
            prog.add_row(split, "no model trained on this split", "-", "-", "-", "-", "-")
            continue
        predictor = ProgressPredictor.load(folder)
        examples = load_progress_examples(args.data, split, "test")
        length = evaluate_length_baseline(fit_length_baseline(load_progress_examples(args.data, split, "train")),
                                          examples)
        for m in (*evaluate_progress(predictor, examples), length):
            prog.add_row(split, m.name, str(m.examples), f"{m.bin_accuracy:.3f}", f"{m.within_one:.3f}",
                         f"{m.mae:.2f}", f"{m.order_accuracy:.3f}")
    console.print(prog)


if __name__ == "__main__":
    main()
