"""Training the byte-level T5 tactic generator: examples, checkpoints, resume, early stopping.

Examples are ``(premises + state, tactic)`` pairs from traced tactics; the premises are the
gold ones of ``annotated_tactic`` (as ReProver trains on retrieved premises that include the
gold ones), rendered from the corpus when it defines them. Checkpoints (model, optimiser and
trainer state) go to ``OUT/checkpoint``; the best model by validation loss to ``OUT/best``.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common.errors import ProofplanError
from prover.data.records import CorpusFile, TracedTheorem
from prover.models.generators.byt5 import (
    ByT5Generator,
    ByT5Settings,
    ByT5Size,
    new_model,
    new_tokenizer,
)
from prover.models.generators.inputs import format_input

NO_GOALS = {"", "no goals", "No more goals."}


@dataclass(frozen=True)
class GeneratorExample:
    """One training pair: the model input (premises + state) and the human tactic."""

    state: str
    premises: tuple[str, ...]
    tactic: str


def premise_texts(corpus: Iterable[CorpusFile]) -> dict[str, str]:
    """Premise full name -> the text the model sees (its source code, one line)."""
    texts: dict[str, str] = {}
    for file in corpus:
        for premise in file.premises:
            code = " ".join(premise.code.split())
            short = premise.full_name.rsplit(".", 1)[-1]
            texts[premise.full_name] = code if short in code else f"{premise.full_name} : {code}"
    return texts


def examples_from_theorems(
    theorems: Iterable[TracedTheorem],
    premise_lookup: dict[str, str] | None = None,
    *,
    max_tactic_bytes: int | None = None,
) -> list[GeneratorExample]:
    """One example per traced tactic with a non-empty goal; tactics longer than
    ``max_tactic_bytes`` are skipped (a cut tactic would teach the model to stop early)."""
    lookup = premise_lookup or {}
    examples = []
    for theorem in theorems:
        for traced in theorem.traced_tactics:
            state = traced.state_before.strip()
            tactic = traced.tactic.strip()
            if state in NO_GOALS or not tactic:
                continue
            if max_tactic_bytes is not None and len(tactic.encode("utf-8")) > max_tactic_bytes:
                continue
            premises = tuple(lookup.get(p.full_name, p.full_name) for p in traced.premises)
            examples.append(GeneratorExample(state, premises, tactic))
    return examples


@dataclass
class TrainConfig:
    """Knobs of a training run (saved with every checkpoint)."""

    out_dir: Path
    batch_size: int = 16
    learning_rate: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 30
    max_steps: int = 600
    max_minutes: float = 15.0
    eval_every: int = 60
    patience: int = 4
    max_val_examples: int = 256
    seed: int = 0
    size: ByT5Size = field(default_factory=ByT5Size)
    settings: ByT5Settings = field(default_factory=ByT5Settings)
    device: str | None = None
    # CPU threads for torch. On a shared machine one thread is several times faster than two
    # (OpenMP threads spin-wait for cores other processes hold); None keeps torch's default.
    threads: int | None = 1


@dataclass
class TrainState:
    """Where a run stands; written with each checkpoint so that a run resumes."""

    step: int = 0
    best_val_loss: float = math.inf
    best_step: int = 0
    evals_without_gain: int = 0
    seconds: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)
    stopped: str = ""


@dataclass(frozen=True)
class TrainReport:
    steps: int
    seconds: float
    best_val_loss: float
    best_step: int
    stopped: str
    train_examples: int
    val_examples: int
    device: str
    parameters: int
    history: list[dict[str, float]]


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (sorted within random pools of 50 batches)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda j: lengths[j])
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


class GeneratorTrainer:
    """Trains (or resumes) the seq2seq generator on examples, keeping the best model."""

    def __init__(
        self,
        train: Sequence[GeneratorExample],
        val: Sequence[GeneratorExample],
        config: TrainConfig,
    ) -> None:
        if not train:
            raise ProofplanError("no training examples (does the data have traced tactics?)")
        if not val:
            raise ProofplanError("no validation examples (the val split is empty)")
        import torch

        self.config = config
        self.out = Path(config.out_dir)
        self.device = config.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = new_tokenizer()
        s = config.settings
        self.train_inputs = [self._input(e) for e in train]
        self.train_targets = [e.tactic for e in train]
        val = list(val)[: config.max_val_examples]
        self.val_inputs = [self._input(e) for e in val]
        self.val_targets = [e.tactic for e in val]
        self.lengths = [len(t.encode("utf-8")) for t in self.train_inputs]
        self._max_target = s.max_tactic_bytes

    def _input(self, example: GeneratorExample) -> str:
        s = self.config.settings
        return format_input(
            example.state, example.premises, max_bytes=s.max_input_bytes, max_premise_bytes=s.max_premise_bytes
        )

    def _tensors(self, inputs: list[str], targets: list[str]) -> dict:
        enc = self.tokenizer(inputs, return_tensors="pt", padding=True, truncation=True,
                             max_length=self.config.settings.max_input_bytes + 1)
        labels = self.tokenizer(targets, return_tensors="pt", padding=True, truncation=True,
                                max_length=self._max_target + 1).input_ids
        labels[labels == self.tokenizer.pad_token_id] = -100
        return {"input_ids": enc.input_ids.to(self.device),
                "attention_mask": enc.attention_mask.to(self.device),
                "labels": labels.to(self.device)}

    def validation_loss(self, model) -> float:
        """Mean per-token cross-entropy over the validation examples."""
        import torch

        model.eval()
        total, tokens = 0.0, 0
        bs = self.config.batch_size
        with torch.inference_mode():
            for i in range(0, len(self.val_inputs), bs):
                batch = self._tensors(self.val_inputs[i : i + bs], self.val_targets[i : i + bs])
                n = int((batch["labels"] != -100).sum())
                total += float(model(**batch).loss) * n
                tokens += n
        model.train()
        return total / max(tokens, 1)

    def _save_checkpoint(self, model, optimizer, scheduler, state: TrainState, rng: random.Random) -> None:
        import torch

        ckpt = self.out / "checkpoint"
        tmp = self.out / "checkpoint.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(tmp, safe_serialization=True)
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, tmp / "trainer.pt")
        (tmp / "state.json").write_text(json.dumps(asdict(state), indent=1))
        if ckpt.exists():
            import shutil

            shutil.rmtree(ckpt)
        tmp.rename(ckpt)

    def train(self, *, resume: bool = True, progress: bool = True) -> TrainReport:
        import torch
        from tqdm import tqdm
        from transformers import T5ForConditionalGeneration, get_linear_schedule_with_warmup

        cfg = self.config
        if cfg.threads and self.device == "cpu":
            torch.set_num_threads(cfg.threads)
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "config.json").write_text(json.dumps(asdict(cfg), indent=1, default=str))
        ckpt = self.out / "checkpoint"
        state = TrainState()
        rng = random.Random(cfg.seed)
        if resume and (ckpt / "state.json").is_file():
            model = T5ForConditionalGeneration.from_pretrained(ckpt, local_files_only=True)
            state = TrainState(**json.loads((ckpt / "state.json").read_text()))
        else:
            model = new_model(cfg.size, seed=cfg.seed)
        model.to(self.device).train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        scheduler = get_linear_schedule_with_warmup(optimizer, cfg.warmup_steps, cfg.max_steps)
        if resume and (ckpt / "trainer.pt").is_file():
            saved = torch.load(ckpt / "trainer.pt", weights_only=False)
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
            rng.setstate(saved["rng"])
            torch.set_rng_state(saved["torch_rng"])
        if state.stopped.startswith("early"):
            return self._report(model, state)
        state.stopped = ""
        session_start = time.monotonic()
        seconds_before = state.seconds
        session_first_step = state.step + 1
        bar = tqdm(total=cfg.max_steps, initial=state.step, disable=not progress, desc="train generator")
        batches: list[list[int]] = []
        running = 0.0
        while not state.stopped:
            if not batches:
                batches = _batches(self.lengths, cfg.batch_size, rng)
            idx = batches.pop()
            batch = self._tensors([self.train_inputs[i] for i in idx], [self.train_targets[i] for i in idx])
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state.step += 1
            value = loss.item()
            running = 0.95 * running + 0.05 * value if state.step > session_first_step else value
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}", best_val=f"{state.best_val_loss:.3f}")
            elapsed = time.monotonic() - session_start
            state.seconds = seconds_before + elapsed
            out_of_time = elapsed >= cfg.max_minutes * 60
            if state.step % cfg.eval_every == 0 or state.step >= cfg.max_steps or out_of_time:
                val = self.validation_loss(model)
                state.history.append({"step": state.step, "train_loss": round(running, 4),
                                      "val_loss": round(val, 4), "seconds": round(state.seconds, 1)})
                if val < state.best_val_loss:
                    state.best_val_loss, state.best_step, state.evals_without_gain = val, state.step, 0
                    model.save_pretrained(self.out / "best", safe_serialization=True)
                    (self.out / "best" / "generator.json").write_text(json.dumps(asdict(cfg.settings)))
                else:
                    state.evals_without_gain += 1
                if state.evals_without_gain >= cfg.patience:
                    state.stopped = "early stopping: validation loss did not improve"
                elif state.step >= cfg.max_steps:
                    state.stopped = "max steps reached"
                elif out_of_time:
                    state.stopped = "time limit reached"
                self._save_checkpoint(model, optimizer, scheduler, state, rng)
        bar.close()
        return self._report(model, state)

    def _report(self, model, state: TrainState) -> TrainReport:
        return TrainReport(
            steps=state.step, seconds=round(state.seconds, 1), best_val_loss=state.best_val_loss,
            best_step=state.best_step, stopped=state.stopped, train_examples=len(self.train_inputs),
            val_examples=len(self.val_inputs), device=self.device,
            parameters=sum(p.numel() for p in model.parameters()), history=state.history,
        )

    def best_generator(self) -> ByT5Generator:
        """The best model so far, as a generator in float32."""
        return ByT5Generator.load(self.out / "best", device=self.device)
