"""What retrieval costs and adds per search state: the ``+retrieval`` candidates, offline.

Over traced test states of a dataset (spread evenly over its ``random`` test split), times the
premise retrieval and each way of using it, and counts how often the traced tactic is among the
``k`` candidates (names compared by their last part, so ``apply Coq.Lists.List.app_nil_r.``
matches ``apply app_nil_r.``):

* the generator without premises (``logprob``);
* the generator reading the retrieved premises (the old ``logprob+retrieval``);
* premise templates mixed in, the generator without premises (the default ``logprob+retrieval``);
* premise templates mixed in, the generator reading the premises (``--premises-to-generator``).

    python benchmarks/bench_retrieval_candidates.py --data data/coq/sample --states 60
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

from common.paths import data_dir  # noqa: E402
from prover.search import defaults as search_defaults  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=data_dir() / "coq" / "sample")
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--states", type=int, default=60, help="traced test states to score")
    p.add_argument("--k", type=int, default=search_defaults.K)
    p.add_argument("--premises", type=int, default=8, help="premises retrieved per state")
    p.add_argument("--template-weight", type=float, default=search_defaults.TEMPLATE_WEIGHT)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(width=max(120, Console().width))
    if not args.data.is_dir():
        console.print(f"skipped: no dataset at {args.data}")
        return 0
    import torch

    torch.set_num_threads(1)
    from prover.data.dataset import load_split
    from prover.env import Theorem
    from prover.models import defaults as default_models
    from prover.models.generators.templates import TemplateGenerator, short_names

    items = [(Theorem(name="t", statement="", file_path=r.file_path, full_name=r.full_name), t.state_before, t.tactic)
             for r in load_split(args.data, "random", "test") for t in r.traced_tactics]
    items = items[:: max(1, len(items) // args.states)][: args.states]
    generator = default_models.tactic_generator(args.models_dir)
    source = default_models.premise_source(args.models_dir, args.data, args.premises)
    templates = default_models.premise_templates(args.models_dir, args.data)
    started = time.monotonic()
    premises = [source(theorem, state) for theorem, state, _ in items]
    retrieve_ms = 1000 * (time.monotonic() - started) / len(items)

    def with_templates(to_base: bool) -> TemplateGenerator:
        return TemplateGenerator(generator, templates, weight=args.template_weight, premises_to_base=to_base)

    variants = [("generator, no premises", generator, False),
                ("generator reads the premises", generator, True),
                ("templates + generator (default)", with_templates(False), True),
                ("templates + generator reading the premises", with_templates(True), True)]
    table = Table(title=f"{len(items)} traced test states of {args.data}, k={args.k}, "
                        f"{args.premises} premises retrieved in {retrieve_ms:.0f} ms per state")
    for col in ("candidates", f"traced tactic in top {args.k}", "ms per state (retrieval not counted)"):
        table.add_column(col, justify="left" if col == "candidates" else "right")
    for name, gen, use_premises in variants:
        hits = 0
        started = time.monotonic()
        for (_, state, gold), found in zip(items, premises, strict=True):
            cands = gen.suggest(state, found if use_premises else [], args.k)
            hits += short_names(gold) in {short_names(c.tactic) for c in cands}
        ms = 1000 * (time.monotonic() - started) / len(items)
        table.add_row(name, f"{hits}/{len(items)}", f"{ms:.0f}")
    console.print(table)
    if templates is not None:
        only = with_templates(False)
        hits = sum(short_names(gold) in {short_names(c.tactic) for c in only.template_candidates(state, found)}
                   for (_, state, gold), found in zip(items, premises, strict=True))
        console.print(f"traced tactic among all template instantiations: {hits}/{len(items)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
