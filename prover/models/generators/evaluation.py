"""Tactic-generator evaluation: top-k exact match against the human tactic, and latency.

A prediction matches when it equals the traced tactic after whitespace normalisation
(runs of spaces/newlines collapsed, ends stripped); nothing else is forgiven.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from prover.models.common import TacticCandidate, TacticGenerator
from prover.models.generators.training import GeneratorExample


def normalise_tactic(tactic: str) -> str:
    return " ".join(tactic.split())


@dataclass(frozen=True)
class TopKResult:
    name: str
    examples: int
    top1: float
    topk: float
    k: int
    seconds_per_goal: float


def generate_batched(
    generator: TacticGenerator,
    examples: Sequence[GeneratorExample],
    *,
    k: int = 8,
    batch_size: int = 16,
    use_premises: bool = True,
) -> list[list[TacticCandidate]]:
    """Up to ``k`` candidates per example, asked of the generator ``batch_size`` goals at a time."""
    out: list[list[TacticCandidate]] = []
    for i in range(0, len(examples), batch_size):
        chunk = examples[i : i + batch_size]
        premises = [list(e.premises) if use_premises else [] for e in chunk]
        out.extend(generator.suggest_batch([e.state for e in chunk], premises, k))
    return out


def topk_accuracy(
    candidates: Sequence[Sequence[TacticCandidate]], examples: Sequence[GeneratorExample], k: int
) -> tuple[float, float]:
    """Top-1 and top-``k`` exact-match accuracy of one candidate list per example."""
    hits1 = hitsk = 0
    for cands, example in zip(candidates, examples, strict=True):
        gold = normalise_tactic(example.tactic)
        ranked = [normalise_tactic(c.tactic) for c in cands[:k]]
        hits1 += bool(ranked) and ranked[0] == gold
        hitsk += gold in ranked
    n = max(len(examples), 1)
    return hits1 / n, hitsk / n


def evaluate_topk(
    name: str,
    generator: TacticGenerator,
    examples: Sequence[GeneratorExample],
    *,
    k: int = 8,
    batch_size: int = 16,
    use_premises: bool = True,
) -> TopKResult:
    """Top-1 and top-``k`` exact-match accuracy; goals are generated in batches."""
    start = time.perf_counter()
    candidates = generate_batched(generator, examples, k=k, batch_size=batch_size, use_premises=use_premises)
    seconds = time.perf_counter() - start
    top1, topk = topk_accuracy(candidates, examples, k)
    return TopKResult(name, len(examples), top1, topk, k, seconds / max(len(examples), 1))


def latency_per_goal(
    generator: TacticGenerator,
    examples: Sequence[GeneratorExample],
    *,
    k: int = 8,
    batch_size: int = 16,
    repeats: int = 1,
    use_premises: bool = True,
) -> float:
    """Median over ``repeats`` of the seconds per goal when goals are generated in batches."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        generate_batched(generator, examples, k=k, batch_size=batch_size, use_premises=use_premises)
        runs.append((time.perf_counter() - start) / max(len(examples), 1))
    runs.sort()
    return runs[len(runs) // 2]
