"""Classical planners behind one call: Fast Downward (subprocess, from the up-fast-downward wheel)
and pyperplan (pure Python, in a forked process) as the fallback. Both honour a time limit and
report a timeout as a result, never as an exception or a hang."""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from common.errors import ProofplanError

Status = Literal["solved", "unsolvable", "timeout", "error"]
PlannerName = Literal["auto", "fast-downward", "pyperplan"]
DEFAULT_FD_SEARCH = "astar(lmcut())"


@dataclass(frozen=True)
class GroundAction:
    """One plan step: an action name and its object arguments."""

    name: str
    args: tuple[str, ...]


@dataclass
class PlannerResult:
    planner: str
    status: Status
    actions: list[GroundAction] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""


class PlannerUnavailable(ProofplanError):
    """The requested planner is not installed."""


def fast_downward_driver() -> Path | None:
    """Path of ``fast-downward.py`` inside the installed up-fast-downward package, if any."""
    spec = importlib.util.find_spec("up_fast_downward")
    if spec is None or not spec.submodule_search_locations:
        return None
    driver = Path(next(iter(spec.submodule_search_locations))) / "downward" / "fast-downward.py"
    return driver if driver.exists() else None


def parse_plan_line(line: str) -> GroundAction | None:
    line = line.strip()
    if not line.startswith("(") or line.startswith(";"):
        return None
    parts = line.strip("()").split()
    return GroundAction(parts[0].lower(), tuple(p.lower() for p in parts[1:]))


def run_fast_downward(
    domain: str, problem: str, time_limit: float = 10.0, search: str = DEFAULT_FD_SEARCH
) -> PlannerResult:
    """Solve with the Fast Downward driver as a subprocess, killed at ``time_limit`` seconds."""
    driver = fast_downward_driver()
    if driver is None:
        raise PlannerUnavailable("Fast Downward not found: install the up-fast-downward wheel")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="proofplan-fd-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "domain.pddl").write_text(domain)
        (tmpdir / "problem.pddl").write_text(problem)
        limit = max(1, int(time_limit + 0.999))
        cmd = [sys.executable, str(driver), "--overall-time-limit", f"{limit}s", "--plan-file", "sas_plan"]
        if search.startswith("alias:"):
            cmd += ["--alias", search[len("alias:"):], "domain.pddl", "problem.pddl"]
        else:
            cmd += ["domain.pddl", "problem.pddl", "--search", search]
        try:
            proc = subprocess.run(cmd, cwd=tmpdir, capture_output=True, text=True, timeout=time_limit + 1.0)
        except subprocess.TimeoutExpired:
            return PlannerResult("fast-downward", "timeout", seconds=time.perf_counter() - start,
                                 message=f"no plan within {time_limit:g} s")
        seconds = time.perf_counter() - start
        code = proc.returncode
        if code == 0:
            plan_file = tmpdir / "sas_plan"
            actions = [a for a in map(parse_plan_line, plan_file.read_text().splitlines()) if a]
            return PlannerResult("fast-downward", "solved", actions, seconds)
        if code in (10, 11, 12):
            return PlannerResult("fast-downward", "unsolvable", seconds=seconds, message="no plan exists")
        # 21/23/24: out of time; a CPU-limit signal (SIGXCPU) shows as -24 or 256-24.
        if code in (21, 23, 24, 232, 247) or code < 0:
            return PlannerResult("fast-downward", "timeout", seconds=seconds,
                                 message=f"no plan within {time_limit:g} s")
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        return PlannerResult("fast-downward", "error", seconds=seconds, message=f"exit {code}: {tail[0]}")


def _pyperplan_worker(domain_path: str, problem_path: str, conn) -> None:
    import logging

    from pyperplan import planner as pp
    from pyperplan.heuristics.relaxation import hFFHeuristic
    from pyperplan.search import greedy_best_first_search

    logging.disable(logging.CRITICAL)
    try:
        solution = pp.search_plan(domain_path, problem_path, greedy_best_first_search, hFFHeuristic)
        conn.send(("ok", None if solution is None else [op.name for op in solution]))
    except Exception as exc:  # report any parser/grounding failure to the parent as text
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_pyperplan(domain: str, problem: str, time_limit: float = 10.0) -> PlannerResult:
    """Solve with pyperplan (greedy best-first with h_FF) in a forked process, killed at ``time_limit`` seconds."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="proofplan-pp-") as tmp:
        dpath, ppath = Path(tmp) / "domain.pddl", Path(tmp) / "problem.pddl"
        dpath.write_text(domain)
        ppath.write_text(problem)
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_pyperplan_worker, args=(str(dpath), str(ppath), child), daemon=True)
        proc.start()
        child.close()
        ready = parent.poll(time_limit)
        seconds = time.perf_counter() - start
        if not ready:
            proc.kill()
            proc.join()
            return PlannerResult("pyperplan", "timeout", seconds=seconds, message=f"no plan within {time_limit:g} s")
        try:
            kind, payload = parent.recv()
        except EOFError:
            kind, payload = "error", "pyperplan process died"
        proc.join()
    if kind == "error":
        return PlannerResult("pyperplan", "error", seconds=seconds, message=str(payload))
    if payload is None:
        return PlannerResult("pyperplan", "unsolvable", seconds=seconds, message="no plan exists")
    actions = [a for a in map(parse_plan_line, payload) if a]
    return PlannerResult("pyperplan", "solved", actions, seconds)


def solve(domain: str, problem: str, planner: PlannerName = "auto", time_limit: float = 10.0,
          fd_search: str = DEFAULT_FD_SEARCH) -> PlannerResult:
    """Fast Downward when installed (pyperplan if it is missing or fails), or the named planner."""
    if planner == "pyperplan":
        return run_pyperplan(domain, problem, time_limit)
    if planner == "fast-downward":
        return run_fast_downward(domain, problem, time_limit, fd_search)
    if fast_downward_driver() is None:
        return run_pyperplan(domain, problem, time_limit)
    result = run_fast_downward(domain, problem, time_limit, fd_search)
    if result.status == "error":
        fallback = run_pyperplan(domain, problem, time_limit)
        fallback.message = f"fast-downward failed ({result.message}); used pyperplan"
        return fallback
    return result
