"""Retrieval benchmark: FAISS index build/search over random vectors and encoder throughput.

Prints a table of build time, queries/s and recall@10 (against exact flat search) for flat and
HNSW indexes over N random unit vectors of dimension 384, filtered search (the prover's
"premises accessible from this file"), and the bundled encoder's texts/s on short texts.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_retrieval.py [--n 100000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import faiss
import numpy as np
from rich.console import Console
from rich.table import Table

from retrieval import IndexRecord, SentenceTransformerEncoder, VectorIndex, l2_normalise

DIM = 384
K = 10
FLAT_TARGET_QPS = 1_000
ENCODER_TARGET_TPS = 150


@dataclass
class Row:
    name: str
    build_s: float | None
    qps: float
    recall: float | None
    target: str = ""
    ok: bool | None = None


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    hits = [
        len(set(f[f >= 0]) & set(t[t >= 0])) / max(1, (t >= 0).sum())
        for f, t in zip(found, truth, strict=True)
    ]
    return float(np.mean(hits))


def timed_search(
    index: VectorIndex, queries: np.ndarray, allowed=None, repeats: int = 3
) -> tuple[float, np.ndarray]:
    """Best-of-``repeats`` queries/s and the result ids."""
    best, ids = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        _, ids = index.search_ids(queries, K, allowed_ids=allowed)
        best = min(best, time.perf_counter() - start)
    return len(queries) / best, ids


def random_vectors(
    rng: np.random.Generator, n: int, n_queries: int, clustered: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors: i.i.d. Gaussian directions, or a mixture of 5,000 Gaussian clusters
    (closer to real sentence embeddings, which occupy a low-dimensional part of the sphere)."""
    if not clustered:
        return (
            l2_normalise(rng.standard_normal((n, DIM), dtype=np.float32)),
            l2_normalise(rng.standard_normal((n_queries, DIM), dtype=np.float32)),
        )
    centres = rng.standard_normal((5_000, DIM), dtype=np.float32)

    def draw(count: int) -> np.ndarray:
        noise = 1.0 * rng.standard_normal((count, DIM), dtype=np.float32)
        return l2_normalise(centres[rng.integers(0, len(centres), count)] + noise)

    return draw(n), draw(n_queries)


def bench_indexes(n: int, n_queries: int, seed: int, clustered: bool) -> list[Row]:
    rng = np.random.default_rng(seed)
    vectors, queries = random_vectors(rng, n, n_queries, clustered)
    label = "clustered" if clustered else "uniform"
    records = [IndexRecord(key=str(i), text="") for i in range(n)]
    rows: list[Row] = []

    start = time.perf_counter()
    flat = VectorIndex.build(vectors, records, kind="flat")
    flat_build = time.perf_counter() - start
    qps, truth = timed_search(flat, queries)
    rows.append(
        Row(
            f"{label}: flat IP{' (GPU)' if flat.on_gpu else ''}",
            flat_build,
            qps,
            1.0,
            f">= {FLAT_TARGET_QPS} q/s",
            qps >= FLAT_TARGET_QPS,
        )
    )

    for fraction in (20, 2):
        allowed = rng.choice(n, size=n // fraction, replace=False)
        qps_f, ids_f = timed_search(flat, queries, allowed=allowed)
        ok = bool(np.isin(ids_f[ids_f >= 0], allowed).all())
        rows.append(
            Row(
                f"{label}: flat IP, only {len(allowed):,} allowed ids",
                None,
                qps_f,
                None,
                "no other id returned",
                ok,
            )
        )

    start = time.perf_counter()
    hnsw = VectorIndex.build(vectors, records, kind="hnsw", hnsw_m=32, hnsw_ef_construction=80)
    hnsw_build = time.perf_counter() - start
    for ef in (64, 256):
        hnsw.set_ef_search(ef)
        qps_h, ids_h = timed_search(hnsw, queries)
        rows.append(
            Row(
                f"{label}: HNSW M=32 efC=80 efSearch={ef}",
                hnsw_build,
                qps_h,
                recall_at_k(ids_h, truth),
            )
        )
    return rows


def bench_encoder(n_texts: int, seed: int) -> Row:
    rng = np.random.default_rng(seed)
    names = ["n", "m", "k", "l", "xs", "a", "b"]
    ops = ["+", "*", "-", "++", "<=", "="]
    texts = [
        f"forall {rng.choice(names)} {rng.choice(names)}, {rng.choice(names)} {rng.choice(ops)} "
        f"{rng.choice(names)} = {rng.choice(names)} {rng.choice(ops)} S {rng.choice(names)}"
        for _ in range(n_texts)
    ]
    start = time.perf_counter()
    encoder = SentenceTransformerEncoder(batch_size=64)
    load_s = time.perf_counter() - start
    encoder.encode(texts[:64])  # warm-up
    start = time.perf_counter()
    encoder.encode(texts)
    tps = n_texts / (time.perf_counter() - start)
    return Row(
        f"encoder {encoder.name} ({encoder.model.device}), {n_texts} short texts, batch 64",
        load_s,
        tps,
        None,
        f">= {ENCODER_TARGET_TPS} texts/s",
        tps >= ENCODER_TARGET_TPS,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="vectors in the index")
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--texts", type=int, default=1_024, help="texts for the encoder run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="FAISS and torch threads (default: the libraries' choice); on a machine shared "
        "with other jobs, 1 avoids OpenMP threads waiting on descheduled siblings",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads:
        import torch

        faiss.omp_set_num_threads(args.threads)
        torch.set_num_threads(args.threads)

    rows = bench_indexes(args.n, args.queries, args.seed, clustered=False)
    rows += bench_indexes(args.n, args.queries, args.seed, clustered=True)
    rows.append(bench_encoder(args.texts, args.seed))

    table = Table(
        title=f"retrieval: {args.n:,} random {DIM}-d vectors, {args.queries:,} queries, k={K}; "
        f"faiss {faiss.__version__}, {faiss.get_num_gpus()} GPU(s), {os.cpu_count()} CPUs, "
        f"threads {args.threads or 'default'}, load average {os.getloadavg()[0]:.1f}"
    )
    for col in (
        "case",
        "build/load s",
        "queries or texts /s",
        "recall@10 vs flat",
        "target",
        "met",
    ):
        table.add_column(col, justify="left" if col in ("case", "target") else "right")
    for r in rows:
        table.add_row(
            r.name,
            "" if r.build_s is None else f"{r.build_s:.2f}",
            f"{r.qps:,.0f}",
            "" if r.recall is None else f"{r.recall:.3f}",
            r.target,
            "" if r.ok is None else ("yes" if r.ok else "NO"),
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
