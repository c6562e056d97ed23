"""Progress predictor: bins, rebalancing, training, save/load, metrics vs the median baseline."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from prover.models.common import ProgressModel
from prover.models.generators.byt5 import ModelLoadError
from prover.models.progress import (
    BINS,
    CLASS_RANGES,
    PROGRESS_SETTINGS,
    LengthBaseline,
    ProgressPredictor,
    bin_index,
    class_index,
    class_to_bin,
)
from prover.models.progress_training import (
    ProgressExample,
    evaluate_length_baseline,
    evaluate_progress,
    fit_length_baseline,
    load_progress_examples,
    order_accuracy,
    rebalance,
    same_proof_pairs,
    score,
    train_progress,
)


def test_bins_and_classes_align():
    assert [bin_index(s) for s in (1, 2, 3, 4, 5, 8, 9, 16, 17, 500)] == [0, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert bin_index(0) == 0
    assert class_index(16) == 15 and class_index(17) == 16 and class_index(10_000) == len(CLASS_RANGES) - 1
    # every class lies inside one reporting bin
    for (lo, hi), b in zip(CLASS_RANGES, class_to_bin(), strict=True):
        assert bin_index(lo) == b == bin_index(min(hi, 10_000))


def test_rebalance_caps_groups_at_the_median():
    examples = [ProgressExample(f"s{i}", 1, 1) for i in range(100)]
    examples += [ProgressExample(f"t{i}", 2, 2) for i in range(10)]
    examples += [ProgressExample(f"u{i}", 3, 4) for i in range(30)]
    kept = rebalance(examples, seed=1)
    sizes = Counter(bin_index(e.proof_length) for e in kept)
    assert sizes == {0: 30, 1: 10, 2: 30}
    assert rebalance(examples, seed=1) == kept
    assert set(kept) <= set(examples)


def test_score_metrics():
    m = score("x", [1.0, 3.0, 10.0], [0, 2, 4], [1, 4, 20])
    assert m.bin_accuracy == pytest.approx(2 / 3)
    assert m.within_one == pytest.approx(2 / 3)
    assert m.mae == pytest.approx((0 + 1 + 10) / 3)


@pytest.fixture(scope="module")
def trained(coq_dataset, encoder):
    train = load_progress_examples(coq_dataset, "random", "train")
    val = load_progress_examples(coq_dataset, "random", "val")
    predictor, report = train_progress(train, val, encoder=encoder, epochs=60, patience=60, progress=False)
    return predictor, report, train, val


def test_steps_remaining_targets(coq_dataset):
    train = load_progress_examples(coq_dataset, "random", "train")
    # fixture proofs have 2 or 3 tactics: the first state has all of them left
    assert {e.steps for e in train} == {1, 2, 3}
    assert all(1 <= e.steps <= e.proof_length for e in train)


def test_training_beats_the_median_baseline(trained):
    predictor, report, _, val = trained
    assert isinstance(predictor, ProgressModel)
    model, baseline = evaluate_progress(predictor, val)
    assert report.rebalanced_states <= report.train_states
    assert report.rank_weight == 0 and report.train_pairs == 0
    assert model.mae < baseline.mae
    assert model.bin_accuracy > baseline.bin_accuracy
    assert model.bin_accuracy >= 0.8
    # a constant puts every same-proof pair in a tie; the model orders them
    assert baseline.order_accuracy == 0.5
    assert model.order_accuracy >= 0.8


def test_same_proof_pairs_stay_inside_one_proof():
    examples = [ProgressExample("a3", 3, 3, "p"), ProgressExample("a2", 2, 3, "p"), ProgressExample("a1", 1, 3, "p"),
                ProgressExample("b2", 2, 2, "q"), ProgressExample("b1", 1, 2, "q"),
                ProgressExample("c1", 1, 1, "r"), ProgressExample("x5", 5, 9), ProgressExample("x4", 4, 9)]
    pairs = same_proof_pairs(examples, max_per_proof=None)
    named = {(examples[i].state, examples[j].state) for i, j in pairs}
    assert named == {("a3", "a2"), ("a3", "a1"), ("a2", "a1"), ("b2", "b1")}  # no proof key: no pairs
    assert len(same_proof_pairs(examples, max_per_proof=1)) == 2
    assert len(same_proof_pairs(examples[5:])) == 0


def test_order_accuracy_counts_ties_as_half():
    pairs = np.asarray([[0, 1], [0, 2], [1, 2]])
    assert order_accuracy([3.0, 2.0, 1.0], pairs) == 1.0
    assert order_accuracy([1.0, 2.0, 3.0], pairs) == 0.0
    assert order_accuracy([2.0, 2.0, 2.0], pairs) == 0.5
    assert math.isnan(order_accuracy([1.0], np.zeros((0, 2), dtype=int)))


def test_examples_know_their_proof(coq_dataset):
    train = load_progress_examples(coq_dataset, "random", "train")
    by_proof = {}
    for e in train:
        by_proof.setdefault(e.proof, []).append(e.steps)
    assert all(e.proof for e in train)
    # the states of one proof count down to one step left
    assert all(sorted(steps) == list(range(1, len(steps) + 1)) for steps in by_proof.values())


@pytest.fixture(scope="module")
def ranked(coq_dataset, encoder):
    train = load_progress_examples(coq_dataset, "random", "train")
    val = load_progress_examples(coq_dataset, "random", "val")
    predictor, report = train_progress(train, val, encoder=encoder, epochs=60, patience=60, progress=False,
                                       rank_weight=1.0)
    return predictor, report, val


def test_ranking_training_orders_states_of_one_proof(ranked):
    predictor, report, val = ranked
    assert report.rank_weight == 1.0 and report.train_pairs > 0
    model, baseline = evaluate_progress(predictor, val)
    assert model.order_accuracy >= 0.8 > baseline.order_accuracy
    assert model.mae < baseline.mae


def test_point_estimate_is_the_geometric_mean_of_the_classes(trained, ranked):
    assert trained[0].settings.point_estimate == "median"
    predictor, _, val = ranked
    assert predictor.settings.point_estimate == "geometric_mean"
    probs = predictor.class_probs([e.state for e in val[:4]])
    expected = np.exp(probs.astype(np.float64) @ np.log(predictor.settings.class_values))
    assert [p.steps for p in predictor.predict([e.state for e in val[:4]])] == pytest.approx(expected.tolist())


def test_settings_without_point_estimate_read_the_median(ranked, tmp_path):
    predictor, _, val = ranked
    predictor.save(tmp_path)
    settings = json.loads((tmp_path / PROGRESS_SETTINGS).read_text())
    del settings["point_estimate"]  # as saved before the field existed
    (tmp_path / PROGRESS_SETTINGS).write_text(json.dumps(settings))
    old = ProgressPredictor.load(tmp_path)
    probs = old.class_probs([val[0].state])[0]
    median_class = int(np.searchsorted(np.cumsum(probs), 0.5))
    assert old.remaining_steps(val[0].state) == old.settings.class_values[median_class]
    settings["point_estimate"] = "mode"
    (tmp_path / PROGRESS_SETTINGS).write_text(json.dumps(settings))
    with pytest.raises(ModelLoadError, match="point_estimate"):
        ProgressPredictor.load(tmp_path)


def test_predictions_are_distributions(trained):
    predictor, _, _, val = trained
    preds = predictor.predict([e.state for e in val[:5]])
    for p in preds:
        assert sum(p.bin_probs.values()) == pytest.approx(1.0, abs=1e-5)
        assert list(p.bin_probs) == [label for label, _, _ in BINS]
        assert math.isfinite(p.steps) and p.steps >= 1
    assert predictor.remaining_steps(val[0].state) == preds[0].steps


def test_save_and_load_same_outputs(trained, encoder, tmp_path):
    predictor, _, _, val = trained
    predictor.save(tmp_path)
    again = ProgressPredictor.load(tmp_path)  # with the encoder saved beside the weights
    assert again.encoder.name == encoder.name
    states = [e.state for e in val]
    original = predictor.class_probs(states)
    reloaded = again.class_probs(states)
    assert np.abs(original - reloaded).max() < 2e-2  # float16 weights
    assert [p.bin for p in again.predict(states)] == [p.bin for p in predictor.predict(states)]


def _with_distractor(state: str) -> str:
    """A sibling a useless tactic could leave: the same goal under one more hypothesis."""
    return "H0 : True\n" + state.lstrip("\n")


def _sibling_pairs(examples):
    from prover.search.pairs import StatePair

    return [StatePair(closer=e.state, steps=e.steps, farther=_with_distractor(e.state)) for e in examples]


@pytest.fixture(scope="module")
def paired(coq_dataset, encoder):
    train = load_progress_examples(coq_dataset, "random", "train")
    val = load_progress_examples(coq_dataset, "random", "val")
    predictor, report = train_progress(train, val, encoder=encoder, epochs=60, patience=60, progress=False,
                                       search_pairs=_sibling_pairs(train), search_pairs_val=_sibling_pairs(val[:10]),
                                       pair_weight=1.0)
    return predictor, report, val


def test_sibling_pairs_teach_what_traced_proofs_cannot(trained, paired):
    from prover.models.progress_training import evaluate_siblings

    predictor, report, val = paired
    assert report.pair_weight == 1.0 and report.search_pairs > 0 and report.search_pairs_val == 10
    assert predictor.settings.point_estimate == "geometric_mean"
    held_out = _sibling_pairs(val[10:])
    # Traced proofs never show the distractor, so the cross-entropy model cannot order the pair;
    # trained on sibling pairs of other theorems, the model puts the proof-path state first.
    plain = evaluate_siblings(trained[0], held_out)
    taught = evaluate_siblings(predictor, held_out)
    assert taught >= 0.95 and taught > plain + 0.2, (plain, taught)
    # and it still predicts remaining steps better than the median
    model, baseline = evaluate_progress(predictor, val)
    assert model.mae < baseline.mae


def test_sibling_accuracy_counts_ties_as_half():
    from prover.models.progress_training import sibling_accuracy

    # proof-path states 1, 2, 3 steps; siblings 2 (right), 2 (tie), 1 (wrong)
    assert sibling_accuracy([1, 2, 3], [2, 2, 1]) == pytest.approx(0.5)
    assert sibling_accuracy([1], [4]) == 1.0
    assert math.isnan(sibling_accuracy([], []))


def _two_kinds_of_proof(short: int, long: int, tag: str) -> list[ProgressExample]:
    """State ``b`` ends the short proofs (g, a, b) but stands second in the more numerous long
    ones (c, b, d, f): from ``b`` alone three steps are likelier than one, yet wherever ``a`` and
    ``b`` share a proof, ``a`` has more left."""
    examples = []
    for i in range(short):
        examples += [ProgressExample(s, k, 3, f"{tag}-short-{i}") for s, k in (("g", 3), ("a", 2), ("b", 1))]
    for i in range(long):
        examples += [ProgressExample(s, k, 4, f"{tag}-long-{i}") for s, k in (("c", 4), ("b", 3), ("d", 2), ("f", 1))]
    return examples


class _OneHot:
    names = ("g", "a", "b", "c", "d", "f")
    name, dim = "one-hot", len(names)

    def encode(self, texts):
        return np.eye(self.dim, dtype=np.float32)[[self.names.index(t) for t in texts]]


@pytest.mark.parametrize("seed", [0, 1])
def test_ranking_loss_orders_what_cross_entropy_cannot(seed):
    train, val = _two_kinds_of_proof(20, 80, "train"), _two_kinds_of_proof(5, 20, "val")
    onehot = _OneHot()
    estimates = {}
    for weight in (0.0, 1.0):
        predictor, _ = train_progress(train, val, encoder=onehot, progress=False, seed=seed,
                                      epochs=60, patience=60, rank_weight=weight)
        for point in ("median", "geometric_mean"):
            predictor.settings.point_estimate = point
            estimates[weight, point] = {s: p.steps for s, p in zip("ab", predictor.predict(["a", "b"]), strict=True)}
    # cross-entropy alone puts b (mostly three steps from the end) above a, whatever the read-out
    assert estimates[0.0, "median"]["a"] < estimates[0.0, "median"]["b"]
    assert estimates[0.0, "geometric_mean"]["a"] < estimates[0.0, "geometric_mean"]["b"]
    # the same-proof ranking loss turns that order round
    assert estimates[1.0, "geometric_mean"]["a"] > estimates[1.0, "geometric_mean"]["b"]


def test_length_baseline_reads_the_median_of_its_length_quantile():
    # short states have 1 step left, long ones 5: the baseline learns that much and no more
    states = ["x" * n for n in range(1, 101)]
    steps = [1] * 50 + [5] * 50
    baseline = LengthBaseline.fit(states, steps, bins=4)
    assert isinstance(baseline, ProgressModel)
    assert baseline.remaining_steps("x") == 1.0 and baseline.remaining_steps("x" * 99) == 5.0
    assert baseline.remaining_steps("x" * 10_000) == 5.0  # past the last edge: the last bin
    assert baseline.remaining_steps_batch(["  x  ", "x" * 80]) == [1.0, 5.0]  # surrounding blanks do not count
    assert list(baseline.medians) == sorted(baseline.medians)
    with pytest.raises(ValueError):
        LengthBaseline.fit([], [])


def test_trained_model_reads_more_than_the_state_length(trained):
    predictor, _, train, val = trained
    model, _ = evaluate_progress(predictor, val)
    length = evaluate_length_baseline(fit_length_baseline(train), val)
    assert length.name == "state length" and length.examples == model.examples == len(val)
    assert model.bin_accuracy > length.bin_accuracy and model.mae < length.mae


def test_width_of_the_network_is_a_training_choice_that_survives_saving(coq_dataset, encoder, tmp_path):
    train = load_progress_examples(coq_dataset, "random", "train")
    val = load_progress_examples(coq_dataset, "random", "val")
    predictor, _ = train_progress(train, val, encoder=encoder, epochs=2, patience=2, progress=False, hidden=16)
    assert predictor.settings.hidden == 16
    first = next(m for m in predictor.network.modules() if hasattr(m, "out_features"))
    assert first.out_features == 16
    predictor.save(tmp_path)
    loaded = ProgressPredictor.load(tmp_path, encoder=encoder)
    assert loaded.settings.hidden == 16
    states = [e.state for e in val[:3]]
    assert [p.steps for p in loaded.predict(states)] == pytest.approx([p.steps for p in predictor.predict(states)], rel=1e-2)
