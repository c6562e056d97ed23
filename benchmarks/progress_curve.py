"""Progress model learning curve: test accuracy against training data, embedding size and width.

Trains the default progress recipe (``prover.search.defaults``: context inputs, value head with
the ranking loss, no rebalancing) on a share of the training proofs (whole proofs, drawn with a
fixed seed), with a given LSA embedding size and MLP width, and scores each model on the test
part: exact-bin accuracy, within +-1 step, MAE and same-proof order, with the training time.
Each row is appended to ``--out`` as it finishes, and a rerun skips the rows already there.

    python benchmarks/progress_curve.py --data data/generated/coq_stdlib --fractions 0.1,0.3,1 \\
        --out data/generated/full/progress_curve.jsonl

``--dims`` and ``--hidden`` add rows on the whole training part (comma-separated values).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pydantic import BaseModel  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from common.results_file import append_record, prepare, read_records  # noqa: E402


class CurveRow(BaseModel):
    """One trained model's row of ``--out``."""

    fraction: float
    dim: int
    hidden: int
    proofs: int
    states: int
    epochs: int
    seconds: float
    bin: float
    within1: float
    mae: float
    order: float
    length_bin: float
    length_order: float


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("data/coq/sample"))
    p.add_argument("--split", default="random")
    p.add_argument("--fractions", default="0.1,0.3,1", help="shares of the training proofs")
    p.add_argument("--dims", default="", help="LSA embedding sizes to add on all training proofs (default 64 only)")
    p.add_argument("--hidden", default="", help="MLP widths to add on all training proofs (default 256 only)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("data/generated/progress_curve.jsonl"))
    return p.parse_args(argv)


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    try:
        fractions, dims, hidden = floats(args.fractions), [int(x) for x in floats(args.dims)], [int(x) for x in floats(args.hidden)]
    except ValueError as exc:
        console.print(f"error: {exc}")
        return 2
    if any(not 0 < f <= 1 for f in fractions):
        console.print("error: --fractions must lie in (0, 1]")
        return 2
    if not (args.data / args.split / "train.json").is_file():
        console.print(f"skipped: no dataset at {args.data}/{args.split}")
        return 0

    import torch

    from prover.models.progress_training import (
        evaluate_length_baseline,
        evaluate_progress,
        fit_length_baseline,
        load_progress_examples,
        same_proof_pairs,
        train_progress,
    )
    from prover.search import defaults

    torch.set_num_threads(args.threads)
    train = load_progress_examples(args.data, args.split, "train")
    val = load_progress_examples(args.data, args.split, "val")
    test = load_progress_examples(args.data, args.split, "test")
    test_pairs = same_proof_pairs(test, max_per_proof=None)
    proofs = sorted({e.proof for e in train})
    runs = [(f, 64, 256) for f in fractions] + [(1.0, d, 256) for d in dims] + [(1.0, 64, h) for h in hidden]
    done = {(r.fraction, r.dim, r.hidden): r.model_dump() for r in read_records(args.out, CurveRow)}
    prepare(args.out)
    for fraction, dim, width in dict.fromkeys(runs):
        if (fraction, dim, width) in done:
            continue
        keep = set(random.Random(args.seed).sample(proofs, max(1, round(fraction * len(proofs)))))
        subset = [e for e in train if e.proof in keep]
        start = time.monotonic()
        predictor, report = train_progress(
            subset, val, encoder_dim=dim, hidden=width, seed=args.seed, progress=False,
            rank_weight=defaults.PROGRESS_RANK_WEIGHT, context_groups=defaults.PROGRESS_CONTEXT,
            value_weight=defaults.PROGRESS_VALUE_WEIGHT, balance=defaults.PROGRESS_REBALANCE,
        )
        seconds = time.monotonic() - start
        model, _ = evaluate_progress(predictor, test, pairs=test_pairs)
        length = evaluate_length_baseline(fit_length_baseline(subset), test, pairs=test_pairs)
        row = {"fraction": fraction, "dim": dim, "hidden": width, "proofs": len(keep), "states": len(subset),
               "epochs": report.epochs, "seconds": round(seconds, 1), "bin": model.bin_accuracy,
               "within1": model.within_one, "mae": model.mae, "order": model.order_accuracy,
               "length_bin": length.bin_accuracy, "length_order": length.order_accuracy}
        append_record(args.out, CurveRow(**row))
        done[(fraction, dim, width)] = row
        console.print(f"share {fraction:g}, dim {dim}, width {width}: exact-bin {model.bin_accuracy:.3f}, "
                      f"order {model.order_accuracy:.3f} ({seconds:.0f} s)")

    table = Table(title=f"progress model on {args.data} {args.split}/test ({len(test)} states)")
    for col in ("train share", "proofs", "states", "LSA dim", "width", "epochs", "train s", "exact-bin",
                "within +-1", "MAE", "same-proof order", "length: exact-bin", "length: order"):
        table.add_column(col, justify="right")
    for key in dict.fromkeys(runs):
        r = done[key]
        table.add_row(f"{r['fraction']:g}", str(r["proofs"]), str(r["states"]), str(r["dim"]), str(r["hidden"]),
                      str(r["epochs"]), f"{r['seconds']:.0f}", f"{r['bin']:.3f}", f"{r['within1']:.3f}",
                      f"{r['mae']:.2f}", f"{r['order']:.3f}", f"{r['length_bin']:.3f}", f"{r['length_order']:.3f}")
    Console(width=max(140, Console().width)).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
