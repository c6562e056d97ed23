"""The generator input keeps the goal and respects its byte budget."""

from hypothesis import given, settings
from hypothesis import strategies as st

from prover.models.generators.inputs import (
    PREMISE_PREFIX,
    STATE_PREFIX,
    fit_state,
    format_input,
    truncate_bytes,
)

COQ_STATE = "n, m : nat\nH : n <= m\nIH : forall k, k + n = n + k\n============================\nn + S m = S (n + m)"


def test_short_input_keeps_premises_then_state():
    text = format_input(COQ_STATE, ["Nat.add_succ_r : forall n m, n + S m = S (n + m)", "Nat.add_comm"])
    assert text.startswith(PREMISE_PREFIX + "Nat.add_succ_r")
    assert text.endswith(STATE_PREFIX + COQ_STATE)
    assert text.index("Nat.add_comm") < text.index(STATE_PREFIX)


def test_long_state_keeps_goal_and_nearest_hypotheses():
    hyps = "\n".join(f"H{i} : P{i} x" for i in range(200))
    state = hyps + "\n============================\nQ x /\\ R x"
    text = format_input(state, ["a premise that will not fit"], max_bytes=128)
    assert len(text.encode()) <= 128
    assert text.endswith("============================\nQ x /\\ R x")
    assert "H199 : P199 x" in text and "H0 :" not in text
    assert PREMISE_PREFIX not in text


def test_lean_goal_marker_is_kept():
    state = "\n".join(f"h{i} : a{i} = b{i}" for i in range(100)) + "\n⊢ a = b"
    assert fit_state(state, 60).endswith("⊢ a = b")


def test_premises_fill_only_the_room_left():
    premises = [f"lemma_{i} : forall x, f x = g x" for i in range(50)]
    text = format_input("x : nat\n============================\nf x = g x", premises, max_bytes=256)
    assert len(text.encode()) <= 256
    kept = text.count(PREMISE_PREFIX)
    assert 0 < kept < 50
    assert "lemma_0 " in text  # best first


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.lists(st.text(max_size=100), max_size=6), st.integers(16, 300))
def test_budget_and_valid_utf8(state, premises, budget):
    text = format_input(state, premises, max_bytes=budget)
    assert len(text.encode("utf-8")) <= budget
    assert truncate_bytes(text, budget) == text
