"""Seq2seq tactic generator: a byte-level T5 (ByT5-style) trained from scratch.

Input: retrieved premises followed by the goal state (:func:`prover.models.generators.inputs.format_input`);
output: tactics from beam search with their real sequence log-probabilities (sum of token
log-probs, no length normalisation), best first. Decoding goes through the shared ``lm/``
backend (:class:`lm.hf_local.HFLocalModel` wraps the model in memory).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import ProofplanError
from prover.models.common import TacticCandidate
from prover.models.generators.inputs import format_input

if TYPE_CHECKING:
    import torch
    from transformers import ByT5Tokenizer, T5ForConditionalGeneration

GENERATOR_SETTINGS = "generator.json"


class ModelLoadError(ProofplanError):
    """A model folder is missing or does not hold a model of the expected kind."""


@dataclass(frozen=True)
class ByT5Size:
    """Architecture of the from-scratch model (defaults: 1.2M parameters, what fits a CPU
    training budget of minutes on a shared 2-core machine; d_model=256 with 4+4 layers is 9.5M)."""

    d_model: int = 128
    d_ff: int = 512
    num_layers: int = 2
    num_decoder_layers: int = 2
    num_heads: int = 4
    d_kv: int = 32
    dropout_rate: float = 0.1


@dataclass(frozen=True)
class ByT5Settings:
    """How inputs are built and tactics decoded; saved beside the weights."""

    max_input_bytes: int = 256
    max_premise_bytes: int = 96
    max_tactic_bytes: int = 128  # longer human tactics are left out of training
    max_decode_bytes: int = 64  # beam search stops here (95% of traced Coq tactics are shorter)
    batch_size: int = 16


def quiet_transformers() -> None:
    """No per-call progress bars or info logs from transformers (our own bars suffice)."""
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()


def new_tokenizer() -> ByT5Tokenizer:
    from transformers import ByT5Tokenizer

    quiet_transformers()

    return ByT5Tokenizer()


def new_model(size: ByT5Size | None = None, seed: int = 0) -> T5ForConditionalGeneration:
    """A randomly initialised byte-level T5; the vocabulary is ``len(tokenizer)`` (384)."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    size = size or ByT5Size()
    tokenizer = new_tokenizer()
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=size.d_model,
        d_ff=size.d_ff,
        num_layers=size.num_layers,
        num_decoder_layers=size.num_decoder_layers,
        num_heads=size.num_heads,
        d_kv=size.d_kv,
        dropout_rate=size.dropout_rate,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    # T5 initialises an untied output layer with std 1, which gives logits of std ~sqrt(d_model)
    # and a first loss near 40; scale it like a tied head so training starts near log(384).
    with torch.no_grad():
        model.lm_head.weight.normal_(0.0, size.d_model**-0.5)
    return model


class ByT5Generator:
    """A :class:`prover.models.common.TacticGenerator` over a byte-level T5 model."""

    def __init__(
        self,
        model: T5ForConditionalGeneration,
        tokenizer: ByT5Tokenizer | None = None,
        settings: ByT5Settings | None = None,
    ) -> None:
        from lm.hf_local import HFLocalModel

        self.model = model.eval()
        self.tokenizer = tokenizer or new_tokenizer()
        self.settings = settings or ByT5Settings()
        # Beam search and log-probs come from the shared lm/ backend (one decoding path).
        self.language_model = HFLocalModel(
            self.model, self.tokenizer, device=str(self.device), batch_size=self.settings.batch_size,
            max_input_tokens=self.settings.max_input_bytes + 1, name="byt5-tactic-generator",
        )

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode_inputs(self, states: Sequence[str], premises: Sequence[Sequence[str]]) -> list[str]:
        s = self.settings
        return [
            format_input(state, prem, max_bytes=s.max_input_bytes, max_premise_bytes=s.max_premise_bytes)
            for state, prem in zip(states, premises, strict=True)
        ]

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return self.suggest_batch([state], [premises], k)[0]

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]:
        """Up to ``k`` distinct tactics per state from beam search with ``k`` beams."""
        if k <= 0:
            return [[] for _ in states]
        if len(premises) != len(states):
            raise ProofplanError(f"got {len(states)} states but {len(premises)} premise lists")
        return self._beam_search(self.encode_inputs(states, premises), k)

    def _beam_search(self, texts: list[str], k: int) -> list[list[TacticCandidate]]:
        outputs = self.language_model.generate(
            texts, n=k, num_beams=max(k, 2), max_new_tokens=self.settings.max_decode_bytes + 1
        )
        results = []
        for candidates in outputs:
            best: dict[str, float] = {}
            for c in candidates:
                tactic = c.text.strip()
                # A beam that ran out of room never emitted end-of-sequence: an unfinished tactic.
                if len(c.text.encode("utf-8")) > self.settings.max_decode_bytes:
                    continue
                if tactic and math.isfinite(c.logprob) and c.logprob > best.get(tactic, -math.inf):
                    best[tactic] = c.logprob
            ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
            results.append([TacticCandidate(t, s) for t, s in ranked])
        return results

    def sequence_logprobs(self, texts: list[str], tactics: list[str]) -> list[float]:
        """Log-probability of each tactic (followed by end-of-sequence) given its input text."""
        import torch

        enc = self.tokenizer(texts, return_tensors="pt", padding=True).to(self.device)
        labels = self.tokenizer(tactics, return_tensors="pt", padding=True).input_ids.to(self.device)
        with torch.inference_mode():
            logits = self.model(**enc, labels=labels).logits
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        mask = labels != self.tokenizer.pad_token_id
        return (logp * mask).sum(dim=-1).tolist()

    # ---- persistence -------------------------------------------------------------------

    def save(self, folder: Path, *, float16: bool = True) -> None:
        """Weights as (float16) safetensors, the T5 config and the input settings."""
        import torch

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        model = self.model
        if float16:
            import copy

            model = copy.deepcopy(self.model).to(torch.float16)
        model.save_pretrained(folder, safe_serialization=True)
        (folder / GENERATOR_SETTINGS).write_text(json.dumps(asdict(self.settings), indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path, *, device: str = "cpu", float32: bool = True) -> ByT5Generator:
        """A generator saved by :meth:`save` (weights upcast to float32 for CPU by default)."""
        import torch
        from transformers import T5ForConditionalGeneration

        folder = Path(folder)
        if not (folder / "config.json").is_file() or not (folder / "model.safetensors").is_file():
            raise ModelLoadError(f"no seq2seq generator in {folder} (config.json and model.safetensors expected)")
        try:
            model = T5ForConditionalGeneration.from_pretrained(folder, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot load generator from {folder}: {str(exc).splitlines()[0]}") from exc
        if float32:
            model = model.to(torch.float32)
        settings = ByT5Settings()
        if (folder / GENERATOR_SETTINGS).is_file():
            settings = ByT5Settings(**json.loads((folder / GENERATOR_SETTINGS).read_text()))
        return cls(model.to(device), new_tokenizer(), settings)
