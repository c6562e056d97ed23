"""Context inputs of the progress model: tactic heads, features, traced contexts, and a model
that reads what the state's text cannot tell."""

from __future__ import annotations

import numpy as np
import pytest

from prover.models.common import ContextProgressModel
from prover.models.progress import ProgressPredictor
from prover.models.progress_context import (
    ROOT,
    StateContext,
    context_dim,
    context_features,
    head_vocabulary,
    shape_features,
    tactic_head,
)
from prover.models.progress_training import (
    ProgressExample,
    evaluate_progress,
    evaluate_siblings,
    load_progress_examples,
    pair_contexts,
    train_progress,
)
from prover.search.pairs import StatePair


def test_tactic_heads():
    assert tactic_head("- reflexivity.") == "reflexivity"
    assert tactic_head("  { intros n m.") == "intros"
    assert tactic_head("now rewrite Nat.add_comm.") == "now rewrite"
    assert tactic_head("timeout 5 lia.") == "lia"
    assert tactic_head("try (simpl; auto).") == "try simpl"
    assert tactic_head("-") == ""
    vocab = head_vocabulary([["intros.", "lia."], ["intros x.", "simpl.", "lia."], ["auto."]], size=2, min_count=1)
    assert vocab == ["intros", "lia"]


def test_context_features_shape_and_meaning():
    heads = ["intros", "simpl"]
    groups = ("depth", "delta", "heads", "last")
    parent = "n : nat\n============================\nn + 0 = n"
    state = "n : nat\n============================\nn = n\n\nn : nat\n============================\nS n = S n"
    root = context_features(state, None, groups, heads)
    deep = context_features(state, StateContext(("intros n.", "simpl.", "induction n."), parent), groups, heads)
    assert len(root) == len(deep) == context_dim(groups, heads)
    assert root[:2] == [1.0, 0.0] and deep[0] == 0.0 and deep[1] == pytest.approx(np.log1p(3))
    delta = deep[2:9]
    assert delta == pytest.approx(np.subtract(shape_features(state), shape_features(parent)).tolist())
    assert delta[0] > 0  # one goal became two
    bag, last = deep[9:12], deep[12:]
    assert bag == pytest.approx([np.log1p(1), np.log1p(1), np.log1p(1)])  # intros, simpl, other
    assert last == [0.0, 0.0, 1.0, 0.0]  # last tactic: induction (other)
    assert context_features(state, ROOT, groups, heads) == root
    assert context_features(state, None, ("last",), heads)[-1] == 1.0  # root: no last tactic
    assert context_features(state, None, ("heads",), heads) == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="unknown context"):
        context_features(state, None, ("depth", "history"), heads)


def test_traced_examples_carry_their_path(coq_dataset):
    train = load_progress_examples(coq_dataset, "random", "train")
    by_proof: dict[str, list[ProgressExample]] = {}
    for e in train:
        by_proof.setdefault(e.proof, []).append(e)
    for examples in by_proof.values():
        for i, e in enumerate(examples):
            assert e.context is not None and e.context.depth == i
            assert e.context.parent == (examples[i - 1].state if i else None)
            assert e.steps == len(examples) - i


def _ambiguous(n: int, tag: str) -> list[ProgressExample]:
    """The state ``s`` has 1 step left after ``intros`` but 5 after ``destruct``: only the proof
    so far tells them apart."""
    out = []
    for i in range(n):
        out.append(ProgressExample("ra", 2, 2, f"{tag}-a{i}", ROOT))
        out.append(ProgressExample("s", 1, 2, f"{tag}-a{i}", StateContext(("intros.",), "ra")))
        out.append(ProgressExample("rb", 6, 6, f"{tag}-b{i}", ROOT))
        out.append(ProgressExample("s", 5, 6, f"{tag}-b{i}", StateContext(("destruct x.",), "rb")))
    return out


class _OneHot:
    names = ("ra", "rb", "s")
    name, dim = "one-hot", 3

    def encode(self, texts):
        return np.eye(self.dim, dtype=np.float32)[[self.names.index(t) for t in texts]]


def test_context_model_reads_what_the_state_cannot_tell():
    train, val = _ambiguous(40, "train"), _ambiguous(10, "val")
    plain, _ = train_progress(train, val, encoder=_OneHot(), progress=False, epochs=80, patience=80)
    ctx, report = train_progress(train, val, encoder=_OneHot(), progress=False, epochs=80, patience=80,
                                 context_groups=("last",))
    assert report.context_groups == ("last",) and ctx.reads_context and not plain.reads_context
    assert isinstance(ctx, ContextProgressModel)
    assert ctx.settings.context_heads == ["destruct", "intros"]  # as frequent: by name
    after_intros = StateContext(("intros.",), "ra")
    after_destruct = StateContext(("destruct x.",), "rb")
    short, long = ctx.remaining_steps_in_context(["s", "s"], [after_intros, after_destruct])
    assert short < 2 < 4 < long
    m_ctx, _ = evaluate_progress(ctx, val)
    m_plain, _ = evaluate_progress(plain, val)
    assert m_ctx.bin_accuracy == 1.0 and m_plain.bin_accuracy < 0.8


def test_context_model_saves_and_loads(coq_dataset, encoder, tmp_path):
    train = load_progress_examples(coq_dataset, "random", "train")
    val = load_progress_examples(coq_dataset, "random", "val")
    predictor, _ = train_progress(train, val, encoder=encoder, progress=False, epochs=20,
                                  context_groups=("depth", "delta", "heads"))
    predictor.save(tmp_path)
    again = ProgressPredictor.load(tmp_path)
    assert again.settings.context_groups == ["depth", "delta", "heads"]
    assert again.settings.context_heads == predictor.settings.context_heads
    states, contexts = [e.state for e in val], [e.context for e in val]
    assert np.abs(again.class_probs(states, contexts=contexts) - predictor.class_probs(states, contexts=contexts)).max() < 2e-2
    model, baseline = evaluate_progress(again, val)
    assert model.order_accuracy >= 0.9 > baseline.order_accuracy
    assert model.mae < baseline.mae
    # sibling pairs with their parent are scored in context
    pair = StatePair(closer=val[1].state, steps=val[1].steps, farther=val[0].state, parent=val[0].state,
                     prefix=[], closer_tactic=val[1].context.tactics[-1], farther_tactic="idtac.")
    closer, farther = pair_contexts(pair)
    assert closer == val[1].context and farther == StateContext(("idtac.",), val[0].state)
    assert pair_contexts(StatePair(closer="a", steps=1, farther="b")) == (None, None)
    assert 0.0 <= evaluate_siblings(again, [pair]) <= 1.0


def _two_kinds(short: int, long: int, tag: str) -> list[ProgressExample]:
    """``b`` ends the short proofs (a, b) but stands second in the more numerous long ones
    (c, b, d, f): from ``b`` alone three steps are likelier, yet within a proof ``a`` has more left."""
    out = []
    for i in range(short):
        out += [ProgressExample(s, k, 2, f"{tag}-s{i}") for s, k in (("a", 2), ("b", 1))]
    for i in range(long):
        out += [ProgressExample(s, k, 4, f"{tag}-l{i}") for s, k in (("c", 4), ("b", 3), ("d", 2), ("f", 1))]
    return out


class _Letters:
    names = ("a", "b", "c", "d", "f")
    name, dim = "letters", 5

    def encode(self, texts):
        return np.eye(self.dim, dtype=np.float32)[[self.names.index(t) for t in texts]]


def test_value_head_takes_the_ranking_and_leaves_the_classes_alone():
    train, val = _two_kinds(20, 80, "train"), _two_kinds(5, 20, "val")
    plain, _ = train_progress(train, val, encoder=_Letters(), progress=False, epochs=60, patience=60)
    valued, report = train_progress(train, val, encoder=_Letters(), progress=False, epochs=60, patience=60,
                                    rank_weight=1.0, value_weight=1.0)
    assert report.value_weight == 1.0 and valued.settings.value_head and valued.settings.point_estimate == "value"
    a, b = valued.predict(["a", "b"])
    assert a.steps > b.steps  # the value head orders a proof's states ...
    # ... while the class head still says what cross-entropy alone says about b
    assert b.bin == plain.predict(["b"])[0].bin == "3-4"
    probs, log_steps = valued.outputs(["a", "b"])
    assert log_steps is not None and np.exp(log_steps) == pytest.approx([a.steps, b.steps], rel=1e-5)
    with pytest.raises(ValueError, match="value_head"):
        type(valued.settings)(point_estimate="value")


def test_frontier_scores_split_pairs_by_where_the_dead_end_lies():
    from prover.models.progress_frontier import frontier_scores
    from prover.search.pairs import OffPathState, PathState, TreeRecord

    record = TreeRecord(name="t", proved=True, expansions=3, time=1.0,
                        path=[PathState(state="root", steps=3, tactic="intros."),
                              PathState(state="mid", steps=2, tactic="split."),
                              PathState(state="end", steps=1, tactic="auto.")],
                        off_path=[OffPathState(state="side", parent="root", tactics=["split."]),
                                  OffPathState(state="deep", parent="side", tactics=["split.", "left."]),
                                  OffPathState(state="deeper", parent="deep", tactics=["split.", "left.", "auto."])])

    class ByDepth:
        """Fewer steps the deeper: right about the proof path, wrong about deep dead ends."""

        reads_context = True

        def remaining_steps(self, state):
            return 5.0

        def remaining_steps_in_context(self, states, contexts):
            return [5.0 - c.depth for c in contexts]

    scores = {f.relation: f for f in frontier_scores(ByDepth(), [record])}
    # mid (depth 1) and end (2), not the root, against side (1), deep (2) and deeper (3)
    assert {r: s.pairs for r, s in scores.items()} == {"siblings": 1, "same depth": 2, "deeper": 3, "shallower": 1}
    assert scores["siblings"].accuracy == 0.5 == scores["same depth"].accuracy  # ties
    assert scores["deeper"].accuracy == 0.0  # every deeper dead end looks closer
    assert scores["shallower"].accuracy == 1.0
    unproved = TreeRecord(name="u", proved=False, expansions=1, time=1.0)
    assert all(s.pairs == 0 for s in frontier_scores(ByDepth(), [unproved]))
