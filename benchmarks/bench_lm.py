"""Benchmark the shared LLM backend on the offline default model (SmolLM2-135M-Instruct).

Prints three tables:
1. model load time: cold (GGUF dequantised and cached as float16) and cached;
2. latency of one prompt: greedy, 8-beam and 8 samples, 32 new tokens;
3. tactic suggestions per second for 1, 2 and 4 concurrent clients: a batching
   ``proofplan serve lm`` process versus unbatched in-process generators (one thread per
   client calling ``generate`` on a shared model).

Usage: ``python benchmarks/bench_lm.py [--requests 6] [--max-new-tokens 16] [--skip-cold]``
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import httpx  # noqa: E402
import torch  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from lm.base import LanguageModel  # noqa: E402
from lm.hf_local import HFLocalModel  # noqa: E402
from lm.openai_http import OpenAICompatibleModel  # noqa: E402
from lm.registry import convert_gguf_to_f16, smollm2_dir, smollm2_gguf_path  # noqa: E402

GOALS = [
    "forall n : nat, n + 0 = n",
    "forall n m : nat, n + m = m + n",
    "forall (A : Type) (l : list A), rev (rev l) = l",
    "forall a b : nat, a <= b -> a < S b",
    "forall n : nat, n * 1 = n",
    "forall x y : bool, andb x y = andb y x",
    "forall l1 l2 : list nat, length (l1 ++ l2) = length l1 + length l2",
    "forall n : nat, 0 + n = n",
]


def prompt(goal: str) -> str:
    return f"Coq goal:\n{goal}\nNext tactic:"


@dataclass
class Throughput:
    clients: int
    suggestions: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.suggestions / self.seconds


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run_clients(
    make: Callable[[], LanguageModel], clients: int, requests: int, n: int, max_new_tokens: int
) -> Throughput:
    """``clients`` threads, each asking ``requests`` single-goal suggestion calls."""
    models = [make() for _ in range(clients)]
    sample = n > 1

    def worker(idx: int) -> int:
        got = 0
        for r in range(requests):
            goal = GOALS[(idx * requests + r) % len(GOALS)]
            kwargs = {"n": n, "temperature": 0.8} if sample else {}
            got += len(
                models[idx].generate([prompt(goal)], max_new_tokens=max_new_tokens, **kwargs)[0]
            )
        return got

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        total = sum(pool.map(worker, range(clients)))
    return Throughput(clients, total, time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(model_dir: Path, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "proofplan.cli",
            "serve",
            "lm",
            "--model",
            str(model_dir),
            "--port",
            str(port),
            "--threads",
            str(threads),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("proofplan serve lm exited early")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, f"http://127.0.0.1:{port}"
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("proofplan serve lm did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4, help="suggestion calls per client")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--samples", type=int, default=1, help="suggestions per call (1 = greedy)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1 if (os.cpu_count() or 1) <= 2 else 0,
        help="torch CPU threads for both sides (0: torch default; 1 on small shared machines, "
        "where 2 threads stall under contention)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per side")
    parser.add_argument("--skip-latency", action="store_true", help="only load and throughput")
    parser.add_argument("--skip-cold", action="store_true", help="do not time the GGUF conversion")
    args = parser.parse_args()
    console = Console()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.threads:
        torch.set_num_threads(args.threads)
    console.print(
        f"device {device}, torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}"
    )

    load = Table(title="SmolLM2-135M-Instruct load time")
    load.add_column("load")
    load.add_column("seconds", justify="right")
    if not args.skip_cold:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            convert_gguf_to_f16(smollm2_gguf_path(), Path(tmp) / "smollm2")
            HFLocalModel.from_pretrained(Path(tmp) / "smollm2", device=device)
            load.add_row(
                "cold (GGUF -> float16 cache -> model)", f"{time.perf_counter() - start:.1f}"
            )
    model_dir = smollm2_dir()
    start = time.perf_counter()
    lm = HFLocalModel.from_pretrained(model_dir, device=device)
    load.add_row("cached float16 copy", f"{time.perf_counter() - start:.1f}")
    console.print(load)

    if not args.skip_latency:
        lat = Table(title="latency, one prompt, 32 new tokens (median of 3, after 1 warm-up)")
        for col in ("decoding", "candidates", "median ms", "min ms", "new tokens/s"):
            lat.add_column(col, justify="right" if col != "decoding" else "left")
        p = [prompt(GOALS[0])]
        for label, kwargs in [
            ("greedy", {}),
            ("beam search, 8 beams", {"n": 8, "num_beams": 8}),
            ("sampling, n=8, T=0.8", {"n": 8, "temperature": 0.8}),
        ]:
            lm.generate(p, max_new_tokens=32, **kwargs)
            cands = lm.generate(p, max_new_tokens=32, **kwargs)[0]
            times = timed(lambda kwargs=kwargs: lm.generate(p, max_new_tokens=32, **kwargs), 3)
            med = statistics.median(times)
            tokens = sum(c.num_tokens for c in cands)
            lat.add_row(
                label,
                str(len(cands)),
                f"{med * 1000:.0f}",
                f"{min(times) * 1000:.0f}",
                f"{tokens / med:.0f}",
            )
        console.print(lat)

    thr = Table(
        title=f"tactic suggestions/s ({args.samples} per call, {args.max_new_tokens} new tokens, "
        f"{args.requests} calls per client, best of {args.rounds} rounds)"
    )
    for col in (
        "clients",
        "in-process (unbatched)",
        "served (batched)",
        "served / in-process",
        "mean batch",
    ):
        thr.add_column(col, justify="right")
    proc, url = start_server(model_dir, torch.get_num_threads())
    try:
        warm = OpenAICompatibleModel(url)
        warm.generate([prompt(GOALS[1])], max_new_tokens=4)
        for clients in (1, 2, 4):
            # Alternate the two sides and keep each side's best round: the machine is shared,
            # so the least disturbed round is the fairest estimate of either.
            local_best = served_best = 0.0
            served_requests = served_batches = 0
            for _ in range(args.rounds):
                local = run_clients(
                    lambda: lm, clients, args.requests, args.samples, args.max_new_tokens
                )
                before = httpx.get(f"{url}/health").json()
                served = run_clients(
                    lambda: OpenAICompatibleModel(url),
                    clients,
                    args.requests,
                    args.samples,
                    args.max_new_tokens,
                )
                after = httpx.get(f"{url}/health").json()
                served_batches += after["batches"] - before["batches"]
                served_requests += after["requests"] - before["requests"]
                local_best = max(local_best, local.per_second)
                served_best = max(served_best, served.per_second)
            thr.add_row(
                str(clients),
                f"{local_best:.2f}",
                f"{served_best:.2f}",
                f"{served_best / local_best:.2f}x",
                f"{served_requests / max(served_batches, 1):.1f}",
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    console.print(thr)


if __name__ == "__main__":
    main()
