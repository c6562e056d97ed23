"""The LLM translator (SmolLM2-135M by default) beside the rule parser, on requests with gold specs.

Two measures, each on a spread-out subset of the hand-written requests (data/travel_requests):

* full: the model writes the whole TripSpec (``--llm-mode full``);
* fill: the parser is made to miss one field (``--hide``, default budget) and the model must read
  that field alone, grounded in the text (what ``--llm-mode fill`` does when the parser misses).

It prints exact-spec and per-field accuracy and seconds per request (the model loads once, in the
first request of the first mode), and writes per-request JSONL under data/generated/travel/.

    python benchmarks/bench_travel_llm.py [--every 20] [--hide budget] [--model smollm2] [--timeout 120]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from common.paths import data_dir
from planner.travel.llm_translator import load_translator
from planner.travel.parser import RequestReading, RuleBasedParser
from planner.travel.request_eval import accuracy_table, evaluate_requests, load_requests

HIDEABLE = {"origin": "origin", "destination": "destination", "budget": "budget", "dates": "start"}


class ParserMissing(RuleBasedParser):
    """The rule parser with one field left unread, as if the text had beaten it."""

    def __init__(self, hide: str) -> None:
        super().__init__()
        self.hide = HIDEABLE[hide]

    def read(self, text: str) -> RequestReading:
        reading = super().read(text)
        setattr(reading, self.hide, None)
        return reading


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", default=str(data_dir() / "travel_requests" / "handwritten.jsonl"))
    ap.add_argument("--every", type=int, default=20, help="every N-th request")
    ap.add_argument("--hide", choices=sorted(HIDEABLE), default="budget")
    ap.add_argument("--model", default=None)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--modes", nargs="+", default=["fill", "full"])
    args = ap.parse_args()
    console = Console()
    items = load_requests(Path(args.requests))[:: args.every]
    out = data_dir() / "generated" / "travel" / "bench_llm"
    summaries = [evaluate_requests(RuleBasedParser(), items)]
    model = None
    for mode in args.modes:
        tr = load_translator(args.model, mode=mode, timeout=args.timeout,
                             log=lambda msg: console.log(msg) if "loaded" in msg else None)
        if model is not None:
            tr.model = model  # load once for both modes
        if mode == "fill":
            tr.parser = ParserMissing(args.hide)
        with console.status(f"llm {mode} ..."):
            summary = evaluate_requests(tr, items, out / f"{mode}.jsonl")
        model = tr.model
        summary.translator = f"llm {mode}" + (f" ({args.hide} hidden from the parser)" if mode == "fill" else "")
        summaries.append(summary)
    console.print(accuracy_table(summaries, f"{args.requests}: every {args.every}th ({len(items)} requests)"))


if __name__ == "__main__":
    main()
