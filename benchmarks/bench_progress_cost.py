"""What scoring costs the search: seconds per batch of new states, as best-first search asks
(issue 21: scoring <= 20% of search time at k=32).

The states of ``--data``'s test part are scored in batches of ``--batch`` (the new states of one
expansion at k=32 are at most 32) with their traced contexts, as
:meth:`prover.search.best_first.BestFirstSearch._remaining` does, on 1 torch thread; the first
batch (loading, warm-up) is left out. Each model folder given is timed.

    python benchmarks/bench_progress_cost.py --data data/coq/sample --models data/models/progress
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import torch

    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/coq/sample"))
    parser.add_argument("--models", type=Path, nargs="+", default=[Path("data/models/progress")])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=40, help="batches timed per model")
    args = parser.parse_args()
    from common.errors import ProofplanError
    from prover.models.progress import ProgressPredictor
    from prover.models.progress_training import load_progress_examples

    try:
        examples = load_progress_examples(args.data, "random", "test")
    except (ProofplanError, FileNotFoundError) as exc:
        sys.exit(f"error: {exc}")
    print("| model | batch | ms per batch (median) | ms per state |")
    print("|---|---:|---:|---:|")
    for folder in args.models:
        model = ProgressPredictor.load(folder)
        times = []
        for i in range(args.batches + 1):
            chunk = [examples[(i * args.batch + j) % len(examples)] for j in range(args.batch)]
            t0 = time.perf_counter()
            model.remaining_steps_in_context([e.state for e in chunk], [e.context for e in chunk])
            if i:
                times.append(time.perf_counter() - t0)
        per_batch = statistics.median(times) * 1000
        print(f"| {folder} | {args.batch} | {per_batch:.1f} | {per_batch / args.batch:.2f} |", flush=True)


if __name__ == "__main__":
    main()
