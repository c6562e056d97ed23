"""Progress predictor (LeanProgress's idea): how many tactic steps remain from a goal state.

Model: the state is embedded with a state encoder (by default the in-domain TF-IDF + SVD
:class:`prover.models.generators.state_encoder.LsaStateEncoder` fitted on the training states and saved
in ``encoder/``; any :class:`retrieval.encoder.Encoder` works) and described by
a few shape features (goals, hypotheses, sizes, connectives); a small MLP classifies the state
into *step classes*: 1, 2, ..., 16 remaining steps each on its own, then 17-24, 25-32, 33-64
and more than 64 (each class stands for the median training value inside it). From the class
distribution we read

* ``remaining_steps(state)``: the point estimate named by ``ProgressSettings.point_estimate``:
  ``geometric_mean`` (``exp`` of the expected log steps, continuous, the quantity the ranking
  loss of :mod:`prover.models.progress_training` orders; models trained with that loss) or ``median``
  (the median class, which minimises absolute error; models trained without it, and models
  saved before the field existed);
  or ``value`` (``exp`` of the value head, a second MLP beside the classes whose one output is
  the log remaining steps; the default since issue 21);
* ``remaining_steps_in_context(states, contexts)``: the same for states with how they were
  reached (:mod:`prover.models.progress_context`), for a model whose ``context_groups`` are set;
* ``bin_distribution(state)``: the probabilities of the reporting bins 1, 2, 3-4, 5-8, 9-16,
  >16 (sums of class probabilities; the class edges align with the bins).

:class:`LengthBaseline` is the yardstick with no model: the median remaining steps of training
states of about the same length.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from prover.models.generators.byt5 import ModelLoadError
from prover.models.generators.knn import state_key_text
from prover.models.progress_context import (
    CONTEXT_GROUPS,
    context_dim,
    context_features,
    shape_features,
)

if TYPE_CHECKING:
    import torch

    from prover.models.progress_context import StateContext
    from retrieval.encoder import Encoder

PROGRESS_SETTINGS = "progress.json"
WEIGHTS_FILE = "model.safetensors"

# Reporting bins of remaining steps: (label, lowest, highest) inclusive.
BINS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-4", 3, 4),
    ("5-8", 5, 8),
    ("9-16", 9, 16),
    (">16", 17, 1_000_000),
)
# Step classes the model predicts: 1..16 one by one, then wider ranges.
CLASS_RANGES: tuple[tuple[int, int], ...] = tuple((i, i) for i in range(1, 17)) + (
    (17, 24),
    (25, 32),
    (33, 64),
    (65, 1_000_000),
)


def bin_index(steps: float) -> int:
    """Index into :data:`BINS` of a number of remaining steps (values below 1 count as 1)."""
    s = max(1, round(steps))
    for i, (_, lo, hi) in enumerate(BINS):
        if lo <= s <= hi:
            return i
    return len(BINS) - 1


def class_index(steps: int) -> int:
    s = max(1, int(steps))
    for i, (lo, hi) in enumerate(CLASS_RANGES):
        if lo <= s <= hi:
            return i
    return len(CLASS_RANGES) - 1


def class_to_bin() -> list[int]:
    return [bin_index(lo) for lo, _ in CLASS_RANGES]


NUM_SHAPE_FEATURES = len(shape_features("x"))
#: Standardised context-model inputs are clipped to +-this (a state unlike any training state).
FEATURE_CLIP = 8.0
POINT_ESTIMATES = ("median", "geometric_mean", "value")


@dataclass
class ProgressSettings:
    """What is saved beside the weights: encoder, feature scaling, class values, layer sizes."""

    encoder: str = "all-MiniLM-L6-v2"
    embedding_dim: int = 256
    hidden: int = 256
    dropout: float = 0.1
    feature_mean: list[float] = field(default_factory=lambda: [0.0] * NUM_SHAPE_FEATURES)
    feature_std: list[float] = field(default_factory=lambda: [1.0] * NUM_SHAPE_FEATURES)
    class_values: list[float] = field(default_factory=lambda: [float(lo) for lo, _ in CLASS_RANGES])
    train_median: float = 1.0
    #: ``median`` or ``geometric_mean`` (see the module docstring).
    point_estimate: str = "median"
    #: Context inputs read beside the state (:mod:`prover.models.progress_context`; empty: the
    #: state alone, as models saved before the field existed).
    context_groups: list[str] = field(default_factory=list)
    #: Tactic-head vocabulary of the ``heads`` context group.
    context_heads: list[str] = field(default_factory=list)
    #: A second head beside the classes: one output read as log remaining steps (point estimate
    #: ``value``), trained by regression and ranking, so ranking never bends the class distribution.
    value_head: bool = False

    def __post_init__(self) -> None:
        if self.point_estimate not in POINT_ESTIMATES:
            raise ValueError(f"point_estimate must be one of {', '.join(POINT_ESTIMATES)}, not {self.point_estimate!r}")
        if (self.point_estimate == "value") != self.value_head:
            raise ValueError("point_estimate 'value' goes with value_head, and only with it")
        unknown = set(self.context_groups) - set(CONTEXT_GROUPS)
        if unknown:
            raise ValueError(f"unknown context groups {sorted(unknown)} (known: {', '.join(CONTEXT_GROUPS)})")

    @property
    def input_features(self) -> int:
        """Inputs besides the embedding: shape features, then context features."""
        return NUM_SHAPE_FEATURES + context_dim(self.context_groups, self.context_heads)


def _mlp(settings: ProgressSettings, outputs: int) -> torch.nn.Module:
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(settings.embedding_dim + settings.input_features, settings.hidden),
        torch.nn.GELU(),
        torch.nn.Dropout(settings.dropout),
        torch.nn.Linear(settings.hidden, settings.hidden),
        torch.nn.GELU(),
        torch.nn.Dropout(settings.dropout),
        torch.nn.Linear(settings.hidden, outputs),
    )


def build_network(settings: ProgressSettings) -> torch.nn.Module:
    """The class MLP; with ``value_head``, a second MLP of the same size beside it (no shared
    layers, so the value's ranking losses never move the classes) whose one output follows the
    class logits."""
    import torch

    if not settings.value_head:
        return _mlp(settings, len(CLASS_RANGES))

    class TwoHeads(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.classes = _mlp(settings, len(CLASS_RANGES))
            self.value = _mlp(settings, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([self.classes(x), self.value(x)], dim=-1)

    return TwoHeads()


@dataclass(frozen=True)
class ProgressPrediction:
    """A predicted number of remaining steps with its distributions."""

    steps: float
    bin: str
    bin_probs: dict[str, float]
    class_probs: list[float]


class ProgressPredictor:
    """A :class:`prover.models.common.ProgressModel`: remaining steps of a goal state."""

    def __init__(self, network: torch.nn.Module, settings: ProgressSettings, encoder: Encoder | None = None) -> None:
        self.network = network.eval()
        self.settings = settings
        self._encoder = encoder

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from prover.models.generators.knn import load_state_encoder

            self._encoder = load_state_encoder(None)
        return self._encoder

    @property
    def reads_context(self) -> bool:
        """Whether the model reads how a state was reached (:class:`~prover.models.progress_context.StateContext`)."""
        return bool(self.settings.context_groups)

    def raw_features(self, states: Sequence[str], contexts: Sequence[StateContext | None] | None = None) -> np.ndarray:
        """Shape features then context features of each state, unscaled."""
        if contexts is not None and len(contexts) != len(states):
            raise ValueError(f"{len(contexts)} contexts for {len(states)} states")
        rows = []
        for i, s in enumerate(states):
            shape = shape_features(s)
            if self.settings.context_groups:
                shape = shape + context_features(s, contexts[i] if contexts is not None else None,
                                                 self.settings.context_groups, self.settings.context_heads, shape)
            rows.append(shape)
        return np.asarray(rows, dtype=np.float32).reshape(len(states), self.settings.input_features)

    def features(self, states: Sequence[str], embeddings: np.ndarray | None = None,
                 contexts: Sequence[StateContext | None] | None = None) -> np.ndarray:
        """Model inputs: encoder embedding followed by standardised shape (and context) features;
        a state without a context is read as a root."""
        if embeddings is None:
            embeddings = self.encoder.encode([state_key_text(s) for s in states])
        shape = self.raw_features(states, contexts)
        shape = (shape - np.asarray(self.settings.feature_mean, np.float32)) / np.asarray(
            self.settings.feature_std, np.float32
        )
        if self.settings.context_groups:
            shape = np.clip(shape, -FEATURE_CLIP, FEATURE_CLIP)
        return np.concatenate([np.asarray(embeddings, np.float32).reshape(len(states), -1), shape], axis=1)

    def outputs(self, states: Sequence[str], embeddings: np.ndarray | None = None,
                contexts: Sequence[StateContext | None] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Class probabilities, and the value head's log remaining steps (None without one)."""
        import torch

        if not states:
            return np.zeros((0, len(CLASS_RANGES)), dtype=np.float32), None
        x = torch.from_numpy(self.features(states, embeddings, contexts))
        with torch.inference_mode():
            out = self.network(x).float()
        probs = torch.softmax(out[:, : len(CLASS_RANGES)], dim=-1).numpy()
        return probs, (out[:, len(CLASS_RANGES)].numpy() if self.settings.value_head else None)

    def class_probs(self, states: Sequence[str], embeddings: np.ndarray | None = None,
                    contexts: Sequence[StateContext | None] | None = None) -> np.ndarray:
        return self.outputs(states, embeddings, contexts)[0]

    def predict(self, states: Sequence[str], embeddings: np.ndarray | None = None,
                contexts: Sequence[StateContext | None] | None = None) -> list[ProgressPrediction]:
        probs, log_steps = self.outputs(states, embeddings, contexts)
        mapping = class_to_bin()
        values = np.asarray(self.settings.class_values, dtype=np.float64)
        out = []
        for i, row in enumerate(probs):
            bins = np.zeros(len(BINS))
            np.add.at(bins, mapping, row)
            if log_steps is not None:
                steps = float(np.exp(np.clip(float(log_steps[i]), 0.0, math.log(values[-1]))))
            elif self.settings.point_estimate == "geometric_mean":
                steps = float(np.exp(row.astype(np.float64) @ np.log(values)))
            else:
                median_class = int(np.searchsorted(np.cumsum(row), 0.5))
                steps = float(values[min(median_class, len(row) - 1)])
            out.append(
                ProgressPrediction(
                    steps=steps,
                    bin=BINS[int(bins.argmax())][0],
                    bin_probs={label: float(p) for (label, _, _), p in zip(BINS, bins, strict=True)},
                    class_probs=[float(p) for p in row],
                )
            )
        return out

    def remaining_steps(self, state: str) -> float:
        return self.predict([state])[0].steps

    def remaining_steps_batch(self, states: Sequence[str]) -> list[float]:
        return [p.steps for p in self.predict(states)]

    def remaining_steps_in_context(self, states: Sequence[str], contexts: Sequence[StateContext | None]) -> list[float]:
        """Remaining steps of states the search reached as ``contexts`` say (a
        :class:`~prover.models.common.ContextProgressModel`)."""
        return [p.steps for p in self.predict(states, contexts=contexts)]

    def bin_distribution(self, state: str) -> dict[str, float]:
        return self.predict([state])[0].bin_probs

    def save(self, folder: Path) -> None:
        """Weights in float16 safetensors plus ``progress.json``."""
        import torch
        from safetensors.torch import save_file

        from prover.models.generators.state_encoder import LsaStateEncoder

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(self._encoder, LsaStateEncoder):
            self._encoder.save(folder / "encoder")
        tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in self.network.state_dict().items()}
        save_file(tensors, str(folder / WEIGHTS_FILE))
        (folder / PROGRESS_SETTINGS).write_text(json.dumps(asdict(self.settings), indent=1) + "\n")

    @classmethod
    def load(cls, folder: Path, encoder: Encoder | None = None) -> ProgressPredictor:
        import torch
        from safetensors.torch import load_file

        folder = Path(folder)
        if not (folder / PROGRESS_SETTINGS).is_file() or not (folder / WEIGHTS_FILE).is_file():
            raise ModelLoadError(f"no progress model in {folder} ({PROGRESS_SETTINGS} and {WEIGHTS_FILE} expected)")
        try:
            settings = ProgressSettings(**json.loads((folder / PROGRESS_SETTINGS).read_text()))
        except (TypeError, ValueError) as exc:
            raise ModelLoadError(f"unreadable {PROGRESS_SETTINGS} in {folder}: {exc}") from exc
        network = build_network(settings)
        state = {k: v.to(torch.float32) for k, v in load_file(str(folder / WEIGHTS_FILE)).items()}
        try:
            network.load_state_dict(state)
        except RuntimeError as exc:
            raise ModelLoadError(f"progress weights in {folder} do not fit its settings") from exc
        if encoder is None:
            from prover.models.generators.knn import load_state_encoder

            encoder = load_state_encoder(folder / "encoder")
        if encoder.name != settings.encoder:
            raise ModelLoadError(f"progress model expects encoder {settings.encoder!r}, got {encoder.name!r}")
        return cls(network, settings, encoder)


@dataclass(frozen=True)
class LengthBaseline:
    """A :class:`prover.models.common.ProgressModel` that reads nothing but a state's length: the median
    remaining steps of the training states in the same length quantile. A learned predictor has to
    beat it to show that it reads more than a state's size."""

    #: Upper length bounds of the quantile bins but the last (ascending).
    edges: tuple[float, ...]
    #: Median remaining steps of the training states in each bin (one more than ``edges``).
    medians: tuple[float, ...]

    @classmethod
    def fit(cls, states: Sequence[str], steps: Sequence[int], bins: int = 20) -> LengthBaseline:
        if not states or len(states) != len(steps):
            raise ValueError("LengthBaseline.fit needs as many step counts as states, and at least one")
        lengths = np.asarray([len(s.strip()) for s in states], dtype=np.float64)
        targets = np.asarray(steps, dtype=np.float64)
        edges = np.unique(np.quantile(lengths, np.linspace(0, 1, bins + 1)[1:-1]))
        which = np.searchsorted(edges, lengths, side="right")
        overall = float(np.median(targets))
        medians = [float(np.median(targets[which == b])) if np.any(which == b) else overall
                   for b in range(len(edges) + 1)]
        return cls(tuple(float(e) for e in edges), tuple(medians))

    def remaining_steps(self, state: str) -> float:
        return self.medians[int(np.searchsorted(self.edges, len(state.strip()), side="right"))]

    def remaining_steps_batch(self, states: Sequence[str]) -> list[float]:
        return [self.remaining_steps(s) for s in states]
