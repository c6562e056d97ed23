"""Proof search over a 2-worker local Ray cluster gives the single-process run's results.

Each worker owns a real coqtop; the generator is either per worker or one shared batching
actor. The results file keeps the single-process format and resume rule, and a worker killed
mid-run is replaced without losing or double-counting a theorem.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
if shutil.which("coqtop") is None:  # pragma: no cover - Coq is installed by `make setup`
    pytest.skip("coqtop is not installed", allow_module_level=True)

from prover.coq import CoqEnv  # noqa: E402
from prover.env import Theorem  # noqa: E402
from prover.search.configs import ProverSettings, build_prover  # noqa: E402
from prover.search.distributed import RayEvaluation, RaySettings  # noqa: E402
from prover.search.evaluation import evaluate, read_results  # noqa: E402

STATEMENTS = {
    "and_comm": "forall P Q : Prop, P /\\ Q -> Q /\\ P",
    "add_0_r": "forall n : nat, n + 0 = n",
    "false_succ": "forall n : nat, n = S n",
    "two_two": "2 + 2 = 4",
    "or_comm": "forall P Q : Prop, P \\/ Q -> Q \\/ P",
    "false_lt": "forall n : nat, S n < n",
    "impl_trans": "forall P Q R : Prop, (P -> Q) -> (Q -> R) -> P -> R",
    "mul_1_l": "forall n : nat, 1 * n = n",
}
# An expansion budget (and a generous clock) makes the search deterministic, so runs compare.
SETTINGS = ProverSettings(time_limit=120.0, max_expansions=3, k=8, tactic_timeout=5.0)


def theorems() -> list[Theorem]:
    return [Theorem(n, s, "Require Import Lia.", full_name=f"Ray.{n}") for n, s in STATEMENTS.items()]


def outcome(path: Path) -> dict[str, tuple]:
    return {r.name: (r.status, r.proved, r.proof, r.expansions, r.tactics_run) for r in read_results(path)}


def names_in(path: Path) -> list[str]:
    return [json.loads(line)["name"] for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, tuple]:
    out = tmp_path_factory.mktemp("single") / "single.jsonl"
    with CoqEnv() as env:
        evaluate(theorems(), build_prover("fixed", env, SETTINGS), out, "fixed", show_progress=False)
    ref = outcome(out)
    proved = sum(v[1] for v in ref.values())
    assert 0 < proved < len(STATEMENTS)  # both proved and failed theorems are compared
    return ref


@pytest.mark.parametrize("shared", [False, True], ids=["generator-per-worker", "shared-generator"])
def test_two_workers_match_the_single_process_run(cluster, reference, tmp_path: Path, shared: bool):
    out = tmp_path / "ray.jsonl"
    with RayEvaluation("fixed", SETTINGS, RaySettings(workers=2, shared_generator=shared)) as pool:
        summary = pool.run(theorems(), out, show_progress=False)
        assert len(set(pool.worker_pids)) == 2 and os.getpid() not in pool.worker_pids
        stats = pool.stats
    assert outcome(out) == reference
    assert sorted(names_in(out)) == sorted(f"Ray.{n}" for n in STATEMENTS)
    assert summary.total == len(STATEMENTS) and summary.proved == sum(v[1] for v in reference.values())
    assert set(stats.by_worker) == {0, 1}  # both workers proved theorems
    if shared:
        # Every expansion of both workers went through the one generator actor.
        expansions = sum(v[3] for v in reference.values())
        assert stats.generator_requests == expansions
        assert 1 <= stats.generator_batches <= stats.generator_requests


def test_resume_runs_only_the_missing_theorems(cluster, reference, tmp_path: Path):
    out = tmp_path / "resume.jsonl"
    with CoqEnv() as env:
        evaluate(theorems()[:3], build_prover("fixed", env, SETTINGS), out, "fixed", show_progress=False)
    with out.open("a") as fh:  # a line cut short by a kill
        fh.write('{"config": "fixed", "name": "Ray.two_')
    with RayEvaluation("fixed", SETTINGS, RaySettings(workers=2)) as pool:
        pool.run(theorems(), out, show_progress=False)
        assert pool.stats.theorems_run == len(STATEMENTS) - 3
        again = pool.run(theorems(), out, show_progress=False)  # nothing left to do
        assert pool.stats.theorems_run == len(STATEMENTS) - 3
    names = names_in(out)
    assert len(names) == len(set(names)) == len(STATEMENTS)
    assert outcome(out) == reference and again.total == len(STATEMENTS)


def test_a_killed_worker_is_replaced_and_its_theorem_rerun(cluster, reference, tmp_path: Path):
    out = tmp_path / "killed.jsonl"
    killed: list[int] = []
    with RayEvaluation("fixed", SETTINGS, RaySettings(workers=2)) as pool:

        def kill_a_worker(record) -> None:
            if not killed:  # after the first record: SIGKILL worker 1 (busy, or about to be)
                killed.append(pool.worker_pids[1])
                os.kill(pool.worker_pids[1], signal.SIGKILL)

        pool.run(theorems(), out, show_progress=False, on_record=kill_a_worker)
        assert pool.stats.worker_restarts >= 1
        assert pool.worker_pids[1] != killed[0]
    names = names_in(out)
    assert len(names) == len(set(names)) == len(STATEMENTS)
    assert outcome(out) == reference


PREFIXED = [  # stated after a file prefix; the second's prefix does not load, so it falls back
    Theorem("double_plus", "forall n : nat, double n = n + n",
            prelude=("Definition double (n : nat) := n + n.",), full_name="Ray.double_plus"),
    Theorem("add_0_r", STATEMENTS["add_0_r"], prelude=("Definition oops := no_such_constant.",),
            full_name="Ray.add_0_r"),
]
FALLBACKS = {"Ray.add_0_r": theorems()[1]}


def test_file_prefix_runs_on_the_workers_as_in_one_process(cluster, tmp_path: Path):
    from prover.search.evaluation import with_file_prefix

    single = tmp_path / "single.jsonl"
    with CoqEnv() as env:
        evaluate(PREFIXED, with_file_prefix(build_prover("fixed", env, SETTINGS), env, FALLBACKS), single,
                 "fixed", show_progress=False)
    out = tmp_path / "ray.jsonl"
    with RayEvaluation("fixed", SETTINGS, RaySettings(workers=2)) as pool:
        pool.run(PREFIXED, out, show_progress=False, fallbacks=FALLBACKS)
    assert outcome(out) == outcome(single)
    timings = {r.name: r.timings for r in read_results(out)}
    assert "prelude" in timings["Ray.double_plus"] and "plain" not in timings["Ray.double_plus"]
    assert timings["Ray.add_0_r"].get("plain") == 1.0  # searched with its imports instead


def write_dataset(folder: Path) -> Path:
    (folder / "random").mkdir(parents=True)
    records = [
        {"url": "local", "commit": "none", "file_path": "Ray.v", "full_name": f"Ray.{n}",
         "start": [i + 1, 1], "end": [i + 1, 2], "traced_tactics": [], "statement": s,
         "context": "Require Import Lia."}
        for i, (n, s) in enumerate(STATEMENTS.items())
    ]
    (folder / "random" / "test.json").write_text(json.dumps(records))
    return folder


def eval_cmd(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "proofplan.cli", "eval", "prover", str(data), "--split", "test",
            "--config", "fixed", "--max-expansions", "3", "--budget-seconds", "120", "--k", str(SETTINGS.k),
            "--out", str(out), *extra]


def test_cli_ray_option_runs_a_local_cluster(reference, tmp_path: Path):
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "cli.jsonl"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(eval_cmd(data, out, "--ray", "--workers", "2", "--limit", "4"),
                          capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first4 = {f"Ray.{n}" for n in list(STATEMENTS)[:4]}
    assert outcome(out) == {k: v for k, v in reference.items() if k in first4}
    proved = sum(v[1] for k, v in reference.items() if k in first4)
    assert f"({proved}/4)" in proc.stdout


def test_cli_unreachable_ray_address_is_a_one_line_error(tmp_path: Path):
    data = write_dataset(tmp_path / "data")
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.run(eval_cmd(data, tmp_path / "r.jsonl", "--ray-address", f"127.0.0.1:{port}"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: cannot reach Ray at 127.0.0.1:")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.jsonl").exists() or not read_results(tmp_path / "r.jsonl")


@pytest.mark.parametrize("shared", [False, True], ids=["generator-per-worker", "shared-generator"])
def test_a_model_that_cannot_load_is_the_same_one_line_error(cluster, tmp_path: Path, shared: bool):
    from common.errors import ProofplanError

    settings = ProverSettings(time_limit=5.0, models_dir=tmp_path / "no-models")
    with pytest.raises(ProofplanError, match="models folder .*no-models does not exist"):
        RayEvaluation("logprob", settings, RaySettings(workers=2, shared_generator=shared)).start()
    assert not (tmp_path / "no-models").exists()


def test_more_workers_than_cluster_cpus_is_an_error_not_a_wait(cluster):
    from prover.search.distributed import RayUnavailableError

    with pytest.raises(RayUnavailableError, match="has 2 CPUs; 3 workers"):
        RayEvaluation("fixed", SETTINGS, RaySettings(workers=3)).start()
