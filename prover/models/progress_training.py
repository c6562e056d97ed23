"""Training and evaluating the progress predictor (:mod:`prover.models.progress`).

Targets are the traced tactics' ``steps_remaining`` (computed with
:func:`prover.data.dataset.compute_steps_remaining` when a file lacks them, e.g. LeanDojo's).

Rebalancing (after LeanProgress, which balances the skewed distribution of proof lengths):
training states are grouped by the length bin (1, 2, 3-4, 5-8, 9-16, >16 tactics) of the proof
they come from; every group larger than the median group size is randomly downsampled to that
size (fixed seed); smaller groups are kept whole (no duplication).

Loss: cross-entropy over the step classes plus ``rank_weight`` times a pairwise ranking loss
on states of the same proof. Best-first search compares states of one theorem, and a model
trained on cross-entropy alone mostly learns how long a theorem's proof is, not how far along
it a state is: on the full-stdlib random split it orders 57% (val) and 49% (test) of same-proof
state pairs correctly, no better than chance, while ranking training with weight 1 reaches 67%
and 63% (its effect on search: :mod:`prover.search.defaults`). The ranking loss is the
logistic loss ``softplus(-RANK_SCALE * (s_i - s_j))`` for a state ``i`` with more steps left
than a state ``j`` of the same proof, where ``s`` is the expected log of the remaining steps
under the predicted class distribution; a model trained with it reads out ``exp(s)`` (the
geometric mean) as its point estimate, one trained without it the median class. Pairs are
drawn per proof, at most ``MAX_PAIRS_PER_PROOF``.

Value head (the default since issue 21, ``value_weight > 0``): a second MLP reads the same
inputs and outputs the log remaining steps, trained by a Huber loss on them; the ranking and
sibling losses then act on it alone, the classes keep cross-entropy, and each network is kept at
its own best validation epoch. With the context inputs (depth, what the last tactic changed,
tactic heads of the proof so far; :mod:`prover.models.progress_context`) and no rebalancing it
orders 0.767 of same-proof pairs on the full-stdlib test split (exact-bin 0.414); it also ranks
deeper dead ends of search trees as closer than the proof path (:mod:`prover.models.progress_frontier`).

Sibling loss: traced proofs hold no state off a proof, so neither loss above sees the choice
best-first search makes, between the children of one node. Given sibling pairs from proved
search trees (:mod:`prover.search.pairs`), ``pair_weight`` times the same logistic loss asks
each sibling to get more expected log steps than the proof-path state it competed with; such a
model also reads out the geometric mean.
"""

from __future__ import annotations

import copy
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from common.errors import ProofplanError
from prover.data.records import TracedTheorem
from prover.models.generators.knn import state_key_text
from prover.models.progress import (
    BINS,
    CLASS_RANGES,
    LengthBaseline,
    ProgressPredictor,
    ProgressSettings,
    bin_index,
    build_network,
    class_index,
)
from prover.models.progress_context import StateContext, head_vocabulary, path_contexts
from prover.search import defaults as search_defaults
from prover.search.pairs import StatePair

RANK_WEIGHT = search_defaults.PROGRESS_RANK_WEIGHT
PAIR_WEIGHT = search_defaults.PROGRESS_PAIR_WEIGHT
CONTEXT = search_defaults.PROGRESS_CONTEXT
VALUE_WEIGHT = search_defaults.PROGRESS_VALUE_WEIGHT
#: Slope of the logistic ranking loss on differences of expected log steps.
RANK_SCALE = 4.0
MAX_PAIRS_PER_PROOF = 50
FEATURE_STD_FLOOR = 0.1
#: Tactic heads a context model counts one by one (the rest share a slot).
HEAD_VOCABULARY = 48


@dataclass(frozen=True)
class ProgressExample:
    state: str
    steps: int
    proof_length: int
    #: Which proof the state comes from (``file:theorem``); states of one proof are ranked.
    proof: str = ""
    #: The tactics of the proof before this state and the state the last one ran on.
    context: StateContext | None = None


def progress_examples(theorems: Iterable[TracedTheorem]) -> list[ProgressExample]:
    """One example per traced tactic with an open goal and at least one remaining step."""
    from prover.data.dataset import compute_steps_remaining

    examples = []
    for theorem in theorems:
        tactics = theorem.traced_tactics
        if not tactics:
            continue
        if any(t.steps_remaining is None for t in tactics):
            steps = compute_steps_remaining(theorem)
        else:
            steps = [int(t.steps_remaining) for t in tactics]  # type: ignore[arg-type]
        proof = f"{theorem.file_path}:{theorem.full_name}"
        contexts = path_contexts([t.tactic for t in tactics], [t.state_before for t in tactics])
        for tactic, remaining, context in zip(tactics, steps, contexts, strict=True):
            state = tactic.state_before.strip()
            if state and state != "no goals" and remaining >= 1:
                examples.append(ProgressExample(state, int(remaining), len(tactics), proof, context))
    return examples


def _proof_groups(examples: Sequence[ProgressExample]) -> list[np.ndarray]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        if ex.proof:
            groups[ex.proof].append(i)
    return [np.asarray(g) for g in groups.values() if len(g) > 1]


def same_proof_pairs(
    examples: Sequence[ProgressExample], seed: int = 0, max_per_proof: int | None = MAX_PAIRS_PER_PROOF
) -> np.ndarray:
    """Index pairs ``(i, j)`` of states of one proof where ``i`` has more steps left than ``j``
    (at most ``max_per_proof`` per proof, drawn with a fixed seed; all with ``None``)."""
    rng = np.random.default_rng(seed)
    steps = np.asarray([e.steps for e in examples])
    out = []
    for group in _proof_groups(examples):
        i, j = np.meshgrid(group, group, indexing="ij")
        keep = steps[i] > steps[j]
        pairs = np.stack([i[keep], j[keep]], axis=1)
        if max_per_proof is not None and len(pairs) > max_per_proof:
            pairs = pairs[rng.choice(len(pairs), max_per_proof, replace=False)]
        out.append(pairs)
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


def order_accuracy(predicted_steps: Sequence[float], pairs: np.ndarray) -> float:
    """Share of ``pairs`` (first state has more steps left) the prediction orders the same way;
    a tie counts one half. NaN without pairs."""
    if len(pairs) == 0:
        return float("nan")
    pred = np.asarray(predicted_steps, dtype=np.float64)
    diff = pred[pairs[:, 0]] - pred[pairs[:, 1]]
    return float(np.mean(np.where(diff > 0, 1.0, np.where(diff == 0, 0.5, 0.0))))


def rebalance(examples: Sequence[ProgressExample], seed: int = 0) -> list[ProgressExample]:
    """Downsample proof-length groups to the median group size (see module docstring)."""
    groups: dict[int, list[ProgressExample]] = defaultdict(list)
    for ex in examples:
        groups[bin_index(ex.proof_length)].append(ex)
    if not groups:
        return []
    cap = int(np.median([len(g) for g in groups.values()]))
    rng = random.Random(seed)
    kept: list[ProgressExample] = []
    for key in sorted(groups):
        group = groups[key]
        kept.extend(group if len(group) <= cap else rng.sample(group, cap))
    rng.shuffle(kept)
    return kept


@dataclass(frozen=True)
class ProgressMetrics:
    """Exact-bin accuracy, accuracy within +-1 step, mean absolute error, and how often two
    states of one proof are put in the right order (what best-first search relies on)."""

    name: str
    examples: int
    bin_accuracy: float
    within_one: float
    mae: float
    order_accuracy: float = float("nan")


def score(
    name: str,
    predicted_steps: Sequence[float],
    predicted_bins: Sequence[int],
    truth: Sequence[int],
    pairs: np.ndarray | None = None,
) -> ProgressMetrics:
    """Metrics of a prediction; ``pairs`` (from :func:`same_proof_pairs`) adds the order accuracy."""
    n = len(truth)
    if n == 0:
        return ProgressMetrics(name, 0, float("nan"), float("nan"), float("nan"))
    pred = np.asarray(predicted_steps, dtype=np.float64)
    true = np.asarray(truth, dtype=np.float64)
    bins_true = np.asarray([bin_index(t) for t in truth])
    return ProgressMetrics(
        name=name,
        examples=n,
        bin_accuracy=float(np.mean(np.asarray(predicted_bins) == bins_true)),
        within_one=float(np.mean(np.abs(np.round(pred) - true) <= 1)),
        mae=float(np.mean(np.abs(pred - true))),
        order_accuracy=order_accuracy(pred, pairs) if pairs is not None else float("nan"),
    )


def evaluate_progress(
    predictor: ProgressPredictor,
    examples: Sequence[ProgressExample],
    embeddings: np.ndarray | None = None,
    pairs: np.ndarray | None = None,
) -> tuple[ProgressMetrics, ProgressMetrics]:
    """The model's metrics and those of the constant training-median baseline (order accuracy
    over all same-proof pairs; ``pairs`` when the caller already has them)."""
    states = [e.state for e in examples]
    truth = [e.steps for e in examples]
    if pairs is None:
        pairs = same_proof_pairs(examples, max_per_proof=None)
    preds = predictor.predict(states, embeddings, [e.context for e in examples]) if states else []
    labels = [label for label, _, _ in BINS]
    model = score("progress model", [p.steps for p in preds], [labels.index(p.bin) for p in preds], truth, pairs)
    median = predictor.settings.train_median
    baseline = score(
        f"training median ({median:g})", [median] * len(truth), [bin_index(median)] * len(truth), truth, pairs
    )
    return model, baseline


def evaluate_length_baseline(
    baseline: LengthBaseline, examples: Sequence[ProgressExample], pairs: np.ndarray | None = None
) -> ProgressMetrics:
    """The metrics of :class:`~prover.models.progress.LengthBaseline` (its bin is the bin of its estimate)."""
    if pairs is None:
        pairs = same_proof_pairs(examples, max_per_proof=None)
    steps = baseline.remaining_steps_batch([e.state for e in examples])
    return score("state length", steps, [bin_index(s) for s in steps],
                 [e.steps for e in examples], pairs)


def fit_length_baseline(train: Sequence[ProgressExample]) -> LengthBaseline:
    """:class:`~prover.models.progress.LengthBaseline` fitted on training states (not rebalanced)."""
    if not train:
        raise ProofplanError("no training states with steps_remaining")
    return LengthBaseline.fit([e.state for e in train], [e.steps for e in train])


@dataclass(frozen=True)
class ProgressTrainReport:
    train_states: int
    rebalanced_states: int
    val_states: int
    epochs: int
    best_epoch: int
    best_val_loss: float
    seconds: float
    encode_seconds: float
    rank_weight: float
    train_pairs: int
    pair_weight: float = 0.0
    search_pairs: int = 0
    search_pairs_val: int = 0
    context_groups: tuple[str, ...] = ()
    value_weight: float = 0.0
    rebalanced: bool = True


def train_progress(
    train: Sequence[ProgressExample],
    val: Sequence[ProgressExample],
    *,
    encoder=None,
    epochs: int = 80,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    patience: int = 8,
    seed: int = 0,
    progress: bool = True,
    embed=None,
    encoder_dim: int = 64,
    hidden: int = 256,
    rank_weight: float = 0.0,
    search_pairs: Sequence[StatePair] = (),
    search_pairs_val: Sequence[StatePair] = (),
    pair_weight: float = PAIR_WEIGHT,
    context_groups: Sequence[str] = (),
    head_vocabulary_size: int = HEAD_VOCABULARY,
    value_weight: float = 0.0,
    balance: bool = True,
) -> tuple[ProgressPredictor, ProgressTrainReport]:
    """Train the MLP head on rebalanced ``train`` (all of it with ``balance=False``); keep the epoch with the best val loss
    (cross-entropy plus ``rank_weight`` times the same-proof ranking loss plus ``pair_weight``
    times the sibling loss on ``search_pairs``, as in training; ``search_pairs_val`` join the
    validation loss).

    ``embed`` (states -> embeddings) lets a caller reuse a cache; by default ``encoder`` runs.
    The defaults train the plain state-only classifier; :func:`build_progress` and ``proofplan
    train progress`` take theirs from :mod:`prover.search.defaults`.
    """
    import torch
    from tqdm import tqdm

    if not train:
        raise ProofplanError("no training states with steps_remaining")
    if not val:
        raise ProofplanError("no validation states with steps_remaining")
    if rank_weight < 0 or pair_weight < 0:
        raise ProofplanError("rank_weight and pair_weight must be >= 0")
    start = time.monotonic()
    if value_weight < 0:
        raise ProofplanError("value_weight must be >= 0")
    ranked = rank_weight > 0
    paired = pair_weight > 0 and len(search_pairs) > 0
    valued = value_weight > 0
    balanced = rebalance(train, seed) if balance else list(train)
    if encoder is None:
        from prover.models.generators.state_encoder import LsaStateEncoder

        encoder = LsaStateEncoder.fit([e.state for e in train], dim=encoder_dim, seed=seed)
    heads = (head_vocabulary([e.context.tactics for e in train if e.context is not None], head_vocabulary_size)
             if {"heads", "last"} & set(context_groups) else [])
    settings = ProgressSettings(train_median=float(np.median([e.steps for e in train])),
                                encoder=encoder.name, embedding_dim=encoder.dim,
                                point_estimate=("value" if valued else "geometric_mean" if ranked or paired
                                                else "median"),
                                context_groups=list(context_groups), context_heads=heads, value_head=valued,
                                hidden=hidden)
    predictor = ProgressPredictor(build_network(settings), settings, encoder)
    if embed is None:
        def embed(states: Sequence[str]) -> np.ndarray:
            return encoder.encode([state_key_text(s) for s in states])

    shape = predictor.raw_features([e.state for e in balanced], [e.context for e in balanced])
    settings.feature_mean = shape.mean(axis=0).tolist()
    # A floor of 0.1: a context slot (a rare tactic head) almost always 0 in training must not
    # turn into an input of hundreds where it is 1.
    settings.feature_std = np.maximum(shape.std(axis=0), FEATURE_STD_FLOOR).tolist()
    classes = np.asarray([class_index(e.steps) for e in balanced])
    values = []
    for i, (lo, _) in enumerate(CLASS_RANGES):
        inside = [e.steps for e, c in zip(balanced, classes, strict=True) if c == i]
        values.append(float(np.median(inside)) if inside else float(lo))
    settings.class_values = values

    t0 = time.monotonic()
    x_train = torch.from_numpy(predictor.features([e.state for e in balanced], embed([e.state for e in balanced]),
                                                  [e.context for e in balanced]))
    x_val = torch.from_numpy(predictor.features([e.state for e in val], embed([e.state for e in val]),
                                                [e.context for e in val]))
    encode_seconds = time.monotonic() - t0
    y_train = torch.from_numpy(classes).long()
    y_val = torch.tensor([class_index(e.steps) for e in val]).long()
    no_pairs = np.zeros((0, 2), dtype=np.int64)
    pairs_train = torch.from_numpy(same_proof_pairs(balanced, seed) if ranked else no_pairs).long()
    pairs_val = torch.from_numpy(same_proof_pairs(val, seed) if ranked else no_pairs).long()
    log_values = torch.log(torch.tensor(settings.class_values, dtype=torch.float32))
    x_sib, sib_train, sib_val = _sibling_tensors(predictor, embed, search_pairs if paired else (),
                                                 search_pairs_val if paired else ())

    n_classes = len(CLASS_RANGES)
    y_log_train = torch.log(torch.tensor([float(e.steps) for e in balanced]))
    y_log_val = torch.log(torch.tensor([float(e.steps) for e in val]))

    def log_steps(logits: torch.Tensor) -> torch.Tensor:
        """The value head's output, or the expected log steps of the class distribution."""
        if valued:
            return logits[:, n_classes]
        return torch.softmax(logits[:, :n_classes], dim=-1) @ log_values

    def rank_loss(logits: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """Ranking loss of ``pairs`` (row indices into ``logits``)."""
        if len(pairs) == 0:
            return torch.zeros(())
        expected_log = log_steps(logits)
        margin = expected_log[pairs[:, 0]] - expected_log[pairs[:, 1]]
        return torch.nn.functional.softplus(-RANK_SCALE * margin).mean()

    def fit_loss(logits: torch.Tensor, classes: torch.Tensor, logs: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the classes, plus ``value_weight`` x the value head's Huber loss on log steps."""
        loss = loss_fn(logits[:, :n_classes], classes)
        if valued:
            loss = loss + value_weight * torch.nn.functional.smooth_l1_loss(logits[:, n_classes], logs)
        return loss

    torch.manual_seed(seed)
    network = build_network(settings)
    optimizer = torch.optim.AdamW(network.parameters(), lr=learning_rate, weight_decay=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    best_loss, best_epoch, best_state, stale, epoch = float("inf"), 0, None, 0, 0
    best_parts = [float("inf"), float("inf")]
    bar = tqdm(range(1, epochs + 1), disable=not progress, desc="train progress")
    for epoch in bar:
        network.train()
        order = torch.randperm(len(x_train))
        # Drawn only when ranking, so cross-entropy-only training keeps its random stream.
        pair_order = torch.randperm(len(pairs_train)) if ranked else None
        sib_order = torch.randperm(len(sib_train)) if paired else None
        for step, i in enumerate(range(0, len(order), batch_size)):
            idx = order[i : i + batch_size]
            loss = fit_loss(network(x_train[idx]), y_train[idx], y_log_train[idx])
            if pair_order is not None and len(pairs_train):
                start_pair = (step * batch_size) % len(pairs_train)
                batch_pairs = pairs_train[pair_order[start_pair : start_pair + batch_size]]
                rows, local = torch.unique(batch_pairs, return_inverse=True)
                loss = loss + rank_weight * rank_loss(network(x_train[rows]), local)
            if sib_order is not None:
                start_pair = (step * batch_size) % len(sib_train)
                batch_pairs = sib_train[sib_order[start_pair : start_pair + batch_size]]
                rows, local = torch.unique(batch_pairs, return_inverse=True)
                loss = loss + pair_weight * rank_loss(network(x_sib[rows]), local)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        network.eval()
        with torch.inference_mode():
            val_logits = network(x_val)
            class_loss = float(loss_fn(val_logits[:, :n_classes], y_val))
            value_loss = float(fit_loss(val_logits, y_val, y_log_val)) - class_loss
            if ranked:
                value_loss += rank_weight * float(rank_loss(val_logits, pairs_val))
            if paired and len(sib_val):
                value_loss += pair_weight * float(rank_loss(network(x_sib), sib_val))
        val_loss = class_loss + value_loss
        bar.set_postfix(val_loss=f"{val_loss:.3f}")
        improved = False
        if valued:
            # two networks, each kept at its own best epoch
            if class_loss < best_parts[0]:
                best_parts[0], improved = class_loss, True
                best_state = {**(best_state or {}), **_prefixed(network.classes.state_dict(), "classes.")}
            if value_loss < best_parts[1]:
                best_parts[1], improved = value_loss, True
                best_state = {**(best_state or {}), **_prefixed(network.value.state_dict(), "value.")}
            if improved:
                best_loss, best_epoch = sum(best_parts), epoch
        elif val_loss < best_loss:
            best_loss, best_epoch, best_state, improved = val_loss, epoch, copy.deepcopy(network.state_dict()), True
        if improved:
            stale = 0
        else:
            stale += 1
            if stale >= patience:
                break
    assert best_state is not None
    network.load_state_dict(best_state)
    predictor = ProgressPredictor(network, settings, predictor._encoder)
    report = ProgressTrainReport(
        train_states=len(train), rebalanced_states=len(balanced), val_states=len(val), epochs=epoch,
        best_epoch=best_epoch, best_val_loss=best_loss, seconds=round(time.monotonic() - start, 1),
        encode_seconds=round(encode_seconds, 1), rank_weight=rank_weight, train_pairs=len(pairs_train),
        pair_weight=pair_weight if paired else 0.0, search_pairs=len(sib_train), search_pairs_val=len(sib_val),
        context_groups=tuple(context_groups), value_weight=value_weight if valued else 0.0, rebalanced=balance,
    )
    return predictor, report


def _prefixed(state: dict, prefix: str) -> dict:
    return {prefix + k: v.detach().clone() for k, v in state.items()}


def _sibling_tensors(predictor: ProgressPredictor, embed, train: Sequence[StatePair], val: Sequence[StatePair]):
    """Features of every distinct state of the sibling pairs, and the pairs as row indices
    ``(farther, closer)`` (the first must get the larger expected log steps)."""
    import torch

    rows: dict[tuple[str, StateContext | None], int] = {}
    for pair in (*train, *val):
        closer, farther = pair_contexts(pair)
        rows.setdefault((pair.farther, farther), len(rows))
        rows.setdefault((pair.closer, closer), len(rows))
    states = [s for s, _ in rows]
    x = (torch.from_numpy(predictor.features(states, embed(states), [c for _, c in rows])) if states
         else torch.zeros((0, 1)))

    def index(pairs: Sequence[StatePair]) -> torch.Tensor:
        keys = [pair_contexts(p) for p in pairs]
        return torch.tensor([[rows[p.farther, f], rows[p.closer, c]] for p, (c, f) in zip(pairs, keys, strict=True)],
                            dtype=torch.long).reshape(-1, 2)

    return x, index(train), index(val)


def pair_contexts(pair: StatePair) -> tuple[StateContext | None, StateContext | None]:
    """How the search reached the two states of a sibling pair (None, None for pairs saved
    without their parent)."""
    if pair.parent is None:
        return None, None
    prefix = tuple(pair.prefix)
    return (StateContext(prefix + (pair.closer_tactic,), pair.parent),
            StateContext(prefix + (pair.farther_tactic,), pair.parent))


def sibling_accuracy(predicted_closer: Sequence[float], predicted_farther: Sequence[float]) -> float:
    """Share of sibling pairs whose proof-path state is predicted to have fewer steps left than
    its sibling (ties count one half; NaN without pairs)."""
    n = len(predicted_closer)
    pairs = np.stack([np.arange(n), np.arange(n, 2 * n)], axis=1)
    return order_accuracy([*predicted_farther, *predicted_closer], pairs)


def evaluate_siblings(predictor: ProgressPredictor, pairs: Sequence[StatePair]) -> float:
    """:func:`sibling_accuracy` of ``predictor``'s point estimates on ``pairs``."""
    if not pairs:
        return float("nan")
    contexts = [pair_contexts(p) for p in pairs]
    closer = predictor.predict([p.closer for p in pairs], contexts=[c for c, _ in contexts])
    farther = predictor.predict([p.farther for p in pairs], contexts=[f for _, f in contexts])
    return sibling_accuracy([c.steps for c in closer], [f.steps for f in farther])


def load_progress_examples(dataset_dir, split: str, part: str) -> list[ProgressExample]:
    from prover.data.dataset import load_split

    return progress_examples(load_split(dataset_dir, split, part))


@dataclass(frozen=True)
class ProgressBuild:
    encoder: str
    report: ProgressTrainReport
    val_model: ProgressMetrics
    val_baseline: ProgressMetrics
    point_estimate: str
    val_pairs: int
    #: Share of held-out sibling pairs the model orders right (NaN without pairs files).
    val_sibling_accuracy: float = float("nan")


def build_progress(
    dataset_dir, split: str, export_dir, *, encoder=None, progress: bool = True, epochs: int = 80, seed: int = 0,
    rank_weight: float = RANK_WEIGHT,
    search_pairs: Sequence = (),
    pair_weight: float = PAIR_WEIGHT,
    context_groups: Sequence[str] = CONTEXT,
    value_weight: float = VALUE_WEIGHT,
    balance: bool = search_defaults.PROGRESS_REBALANCE,
) -> tuple[ProgressPredictor, ProgressBuild]:
    """Train on ``split``/train (and the sibling pairs of the ``search_pairs`` files, see
    :mod:`prover.search.pairs`), export float16 weights and ``MODEL_CARD.md`` to ``export_dir``."""
    from pathlib import Path

    from prover.search.pairs import load_pairs

    train = load_progress_examples(dataset_dir, split, "train")
    val = load_progress_examples(dataset_dir, split, "val")
    pairs_train, pairs_val = load_pairs(search_pairs) if search_pairs else ([], [])
    predictor, report = train_progress(train, val, encoder=encoder, progress=progress, epochs=epochs, seed=seed,
                                       rank_weight=rank_weight, search_pairs=pairs_train,
                                       search_pairs_val=pairs_val, pair_weight=pair_weight,
                                       context_groups=context_groups, value_weight=value_weight,
                                       balance=balance)
    export_dir = Path(export_dir)
    predictor.save(export_dir)
    predictor = ProgressPredictor.load(export_dir, encoder=predictor._encoder)
    val_pairs = same_proof_pairs(val, max_per_proof=None)
    val_model, val_baseline = evaluate_progress(predictor, val, pairs=val_pairs)
    build = ProgressBuild(predictor.settings.encoder, report, val_model, val_baseline,
                          predictor.settings.point_estimate, len(val_pairs), evaluate_siblings(predictor, pairs_val))
    write_progress_card(export_dir, dataset_dir, split, build, train)
    from prover.models.generators.pipeline import write_provenance

    write_provenance(export_dir, dataset_dir, split, train_states=len(train))
    return predictor, build


def write_progress_card(folder, dataset_dir, split: str, build: ProgressBuild, train: Sequence[ProgressExample]) -> None:
    import datetime as dt
    from pathlib import Path

    from prover.models.generators.pipeline import hardware

    r = build.report
    counts = defaultdict(int)
    for e in train:
        counts[bin_index(e.proof_length)] += 1
    loss = (f"cross-entropy plus {r.rank_weight:g} x the ranking loss on {r.train_pairs} pairs of states of one proof"
            if r.rank_weight > 0 else "cross-entropy")
    if r.pair_weight > 0:
        loss += (f" plus {r.pair_weight:g} x the sibling loss on {r.search_pairs} pairs from proved search trees "
                 f"({r.search_pairs_val} held out for validation; `proofplan data search-pairs`)")
    siblings = ("" if np.isnan(build.val_sibling_accuracy) else
                f"\nOn the {r.search_pairs_val} held-out sibling pairs the model gives the proof-path state fewer "
                f"steps than its sibling in {build.val_sibling_accuracy:.3f} of pairs (ties count one half).\n")
    lengths = ", ".join(f"{BINS[i][0]}: {counts[i]}" for i in sorted(counts))
    if build.point_estimate == "value":
        point = ("the point estimate is `exp` of a second MLP of the same size (the value head: log remaining "
                 f"steps, trained by {r.value_weight:g} x a Huber loss on them plus the ranking losses below, "
                 "each network kept at its own best validation epoch)")
        loss = loss.replace("cross-entropy plus", "cross-entropy (classes), plus on the value head")
    else:
        point = f"the point estimate is the {build.point_estimate.replace('_', ' ')} of the predicted distribution"
    balancing = ("- Rebalancing (LeanProgress): states are grouped by the length bin of their proof; groups\n"
                 f"  above the median group size are randomly downsampled to it: {r.rebalanced_states} states kept."
                 if r.rebalanced else "- No rebalancing: every training state (`--no-rebalance`).")
    context = ""
    if r.context_groups:
        named = {"depth": "depth (tactics so far)", "delta": "what the last tactic changed (shape minus the parent's)",
                 "heads": "bag of the tactic heads of the proof so far", "last": "head of the last tactic"}
        context = (", and how the search reached the state (`prover/models/progress_context.py`): "
                   + "; ".join(named[g] for g in r.context_groups))
    rows = "\n".join(
        f"| {m.name} | {m.bin_accuracy:.3f} | {m.within_one:.3f} | {m.mae:.2f} | {m.order_accuracy:.3f} |"
        for m in (build.val_model, build.val_baseline)
    )
    card = f"""# Default progress predictor

Written by `proofplan train progress` on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.

- Predicts the number of remaining tactic steps of a goal state (LeanProgress's target,
  `steps_remaining` of the traced data). Classification over 20 step classes (1..16 one by
  one, 17-24, 25-32, 33-64, >64); {point}; the reported bin is the most probable of the bins
  1, 2, 3-4, 5-8, 9-16, >16.
- Inputs: `{build.encoder}` embedding of the state (TF-IDF of goal/hypothesis tokens and goal
  bigrams reduced by truncated SVD, fitted on the training states; `encoder/`) and 7 shape
  features (goals, hypotheses, sizes, connectives){context}; a 2-hidden-layer MLP (256 units) on top,
  float16 safetensors.
- Data: `{dataset_dir}` split `{split}`: {r.train_states} training states, from proofs of
  these length bins (states per bin): {lengths}.
{balancing}
- Training: AdamW lr 1e-3, batch 128, {loss}, early stopping on validation loss;
  {r.epochs} epochs (best {r.best_epoch}, val loss {r.best_val_loss:.4f}) in {r.seconds:.0f} s
  (of which embedding {r.encode_seconds:.0f} s) on {hardware()}.

## Validation metrics ({r.val_states} states of part `val`)
| predictor | exact-bin accuracy | within +-1 step | MAE (steps) | same-proof order |
|---|---:|---:|---:|---:|
{rows}

Same-proof order: the share of pairs of states of one proof (all {build.val_pairs} such
pairs with different remaining steps) that the point estimate puts in the right order; ties
count one half. Best-first search compares states of one theorem, so this is the figure it
relies on. Test-split figures: `benchmarks/bench_generators.py`.
{siblings}"""
    (Path(folder) / "MODEL_CARD.md").write_text(card)
