"""Fault tests of issue 11 that no other test module already covers.

Covered elsewhere (not repeated here):

* proof-assistant process killed mid-search, search continues after restart and replay:
  ``tests/prover/search/test_prover_crash.py::test_search_survives_a_killed_coqtop``,
  ``tests/prover/coq/test_coq_env.py::test_process_killed_mid_tactic`` and
  ``::test_killed_process_is_recovered_between_calls``;
* evaluation run killed mid-way and rerun: ``tests/prover/search/test_evaluation_resume.py::
  test_killed_evaluation_run_resumes_identically`` (a Ray worker killed mid-run:
  ``tests/reliability/test_ray_distributed.py``);
* a looping tactic times out, env usable: ``tests/prover/coq/test_coq_env.py::
  test_loop_times_out_and_env_stays_usable``;
* memory blow-up under a cap is an error: ``tests/prover/coq/test_coq_env.py::
  test_memory_cap_turns_a_blowup_into_an_error``;
* Fast Downward / pyperplan past their time limit: ``tests/api/test_planners.py::
  test_fast_downward_time_limit_gives_clean_timeout``, ``::test_pyperplan_time_limit_gives_clean_timeout``,
  ``::test_pipeline_reports_timeout_as_plan_status``;
* the LLM server going away mid-run: ``tests/lm/test_http.py::
  test_server_going_away_is_retried_then_a_clear_error``.

Here: a coqtop that stops answering even the interrupt (wedged) is killed and replaced; a
search whose generator proposes a non-terminating and a memory-exhausting tactic still finds
the proof; coqtop really runs under the address-space cap; the z3 travel planner past its time
limit answers ``unknown`` or an unproved-optimal plan, never a false ``unsat`` and never late.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest

from prover.env import ProofFinished, ProofState, TacticTimeout, Theorem
from prover.models.common import TacticCandidate

needs_coq = pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop is not installed")

LOOP = "do 1000000000 idtac."  # runs for minutes in constant memory (a recursive loop may hit the cap first)
BLOWUP = "let x := eval vm_compute in (Nat.pow 2 28) in idtac."  # a 2^28-constructor nat


@needs_coq
def test_wedged_coqtop_is_killed_replaced_and_replayed():
    from prover.coq import CoqEnv

    thm = Theorem("add_0_r", "forall n : nat, n + 0 = n")
    with CoqEnv() as env:
        s0 = env.open(thm)
        s1 = env.run_tac(s0, "intros n.")
        s2 = env.run_tac(s1, "induction n.")
        assert isinstance(s2, ProofState)
        pid = env.coqtop.pid
        # Freeze coqtop while it runs a looping tactic: it cannot even answer the SIGINT.
        freezer = threading.Timer(0.2, lambda: os.kill(pid, signal.SIGSTOP))
        freezer.start()
        t0 = time.monotonic()
        r = env.run_tac(s2, LOOP, timeout=0.6)
        elapsed = time.monotonic() - t0
        freezer.join()
        assert isinstance(r, TacticTimeout)
        assert elapsed < 8.0  # timeout + interrupt grace + restart, not a hang
        assert env.coqtop.pid != pid and env.stats.restarts >= 1
        # The old states are replayed in the new process.
        after = env.run_tac(s2, "- reflexivity.")
        assert isinstance(after, ProofState) and "S n + 0 = S n" in after.goals


class ScriptedGenerator:
    """A real generator whose first suggestions are the hostile tactics a model might write."""

    def __init__(self, tactics: list[str]) -> None:
        self.tactics = tactics

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return [TacticCandidate(t, -float(i)) for i, t in enumerate(self.tactics[:k])]

    def suggest_batch(self, states, premises, k):
        return [self.suggest(s, p, k) for s, p in zip(states, premises, strict=True)]


@needs_coq
def test_search_survives_looping_and_memory_exhausting_tactics():
    from prover.coq import CoqEnv
    from prover.search.best_first import BestFirstSearch, SearchConfig

    thm = Theorem("and_swap", "forall P Q : Prop, P /\\ Q -> Q /\\ P")
    gen = ScriptedGenerator([LOOP, BLOWUP, "intros P Q H.", "destruct H as [p q].", "split.",
                             "assumption."])
    with CoqEnv(memory_mb=700) as env:
        search = BestFirstSearch(env, gen, SearchConfig(k=6, time_limit=90, tactic_timeout=0.5,
                                                        max_expansions=30))
        result = search.prove(thm)
        assert result.status == "proved", result.error
        kinds = {d["kind"] for _, d in result.tree.nodes(data=True)}
        details = [d.get("detail", "") for _, d in result.tree.nodes(data=True)]
        assert "timeout" in kinds  # the loop was cut at the tactic timeout
        assert any("Out of memory" in d for d in details)  # the blow-up hit the cap
        assert env.verify(thm, result.proof)


@needs_coq
def test_coqtop_runs_under_an_address_space_cap():
    from prover.coq import CoqEnv

    with CoqEnv(memory_mb=900) as env:
        env.open(Theorem("t", "True"))
        limits = open(f"/proc/{env.coqtop.pid}/limits").read()
    line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
    soft, hard = line.split()[3:5]
    assert int(soft) == int(hard) == 900 * 1024 * 1024


@pytest.fixture(scope="module")
def utah_trip():
    """A 7-day, 3-city trip over the full database: z3 needs ~10 s to prove the optimum."""
    pytest.importorskip("planner.travel.solver")
    from planner.travel.database import load_background, load_database
    from planner.travel.spec import TripSpec

    spec = TripSpec(origin="Houston", destination="Utah", days=7, visiting_city_number=3,
                    dates=[f"2022-03-{d}" for d in range(23, 30)], people=1, budget=7700)
    return spec, load_database(), load_background().city_state


@pytest.mark.parametrize("limit", [0.001, 0.4])
def test_z3_past_its_time_limit_is_unknown_or_unproved(utah_trip, limit):
    from planner.travel.encoding import TravelEncoding

    spec, world, known = utah_trip
    encoding = TravelEncoding(spec, world, known)
    t0 = time.perf_counter()
    result = encoding.solve(time_limit=limit)
    elapsed = time.perf_counter() - t0
    assert elapsed < limit + 1.0
    assert result.status in ("unknown", "sat")  # never a false "no plan exists"
    if result.status == "unknown":
        assert result.itinerary is None and f"within {limit:g} s" in result.message
    else:
        assert result.itinerary is not None and not result.itinerary.optimal
        assert "before optimality was proved" in result.message
    if limit < 0.01:
        assert result.status == "unknown"


def test_plan_trip_returns_within_its_time_limit(utah_trip):
    from planner.travel.solver import plan_trip

    spec, world, known = utah_trip
    t0 = time.perf_counter()
    result = plan_trip(spec, world, known, time_limit=0.5)
    assert time.perf_counter() - t0 < 3.0
    assert result.status in ("unknown", "sat")
    if result.status == "sat":  # optimal only if the route bounds proved it in time
        assert result.itinerary is not None
        assert result.itinerary.optimal or "before optimality was proved" in result.message


@needs_coq
def test_context_that_overflows_a_long_lived_process_gets_a_fresh_one():
    # Libraries Required for one theorem stay loaded after BackTo: under a 680 MB cap coqtop
    # holds Reals, or ZArith+QArith, but not both (measured: 613 MB and 759 MB peak).
    from prover.coq import CoqEnv

    with CoqEnv(memory_mb=680) as env:
        env.open(Theorem("t1", "True", context="Require Import Reals."))
        state = env.open(Theorem("t2", "forall q : Q, q == q", context="Require Import ZArith QArith."))
        assert "forall q : Q" in state.goals
        assert env.stats.restarts >= 1
        assert isinstance(env.run_tac(state, "apply Qeq_refl."), ProofFinished)
