"""Progress predictor: bins, rebalancing, training, save/load, metrics vs the median baseline."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from prover.common import ProgressModel
from prover.progress import (
    BINS,
    CLASS_RANGES,
    ProgressPredictor,
    bin_index,
    class_index,
    class_to_bin,
)
from prover.progress_training import (
    ProgressExample,
    evaluate_progress,
    load_progress_examples,
    rebalance,
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
    assert model.mae < baseline.mae
    assert model.bin_accuracy > baseline.bin_accuracy
    assert model.bin_accuracy >= 0.8


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
