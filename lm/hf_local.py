"""Local Hugging Face transformers backend (seq2seq or causal, CPU or CUDA, batched).

Log-probabilities come from the raw logits at each step (``output_logits=True``), so greedy,
sampled and beam candidates are scored on the same scale: the model's own distribution at
temperature 1.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers import GenerationConfig as HFGenerationConfig

from lm.base import Candidate, GenerationConfig, LanguageModel, rank, truncate_at_stop
from lm.errors import ModelNotAvailableError


def default_device() -> str:
    """``"cuda"`` when a GPU is visible to torch, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_dtype(device: str) -> torch.dtype:
    """float32 on CPU (half precision is slow there), bfloat16/float16 on GPU."""
    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


class HFLocalModel(LanguageModel):
    """A transformers model and tokenizer already in memory, behind :class:`LanguageModel`.

    Wrapping a model that is being trained is fine: ``generate`` switches it to eval mode for
    the call and back afterwards. Causal models get a left-padding tokenizer (a pad token
    defaults to the eos token).
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        *,
        device: str | None = None,
        batch_size: int = 16,
        max_input_tokens: int = 1024,
        chat: bool = False,
        name: str | None = None,
    ) -> None:
        self.device = device or default_device()
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        self.is_seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
        self.batch_size = batch_size
        self.max_input_tokens = max_input_tokens
        self.chat = chat
        # Fast tokenizers raise "Already borrowed" when threads change padding settings at once.
        self._tokenizer_lock = threading.Lock()
        self.name = name or getattr(model.config, "_name_or_path", "") or type(model).__name__
        if not self.is_seq2seq:
            self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            if self.tokenizer.eos_token is None:
                raise ModelNotAvailableError(
                    f"tokenizer of {self.name} has neither a pad nor an eos token"
                )
            self.tokenizer.pad_token = self.tokenizer.eos_token
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids: set[int] = set(eos if isinstance(eos, list) else [eos]) - {None}
        self.pad_id: int = int(self.tokenizer.pad_token_id)

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        gguf_file: str | None = None,
        device: str | None = None,
        dtype: torch.dtype | None = None,
        **kwargs: Any,
    ) -> HFLocalModel:
        """Load a model directory (or a GGUF file inside it) from local disk only."""
        path = Path(path)
        if not path.is_dir() or (gguf_file is None and not (path / "config.json").is_file()):
            raise ModelNotAvailableError(
                f"no local model at {path}: expected a directory with config.json (or a .gguf file)"
            )
        if gguf_file is not None and not (path / gguf_file).is_file():
            raise ModelNotAvailableError(f"no GGUF file {gguf_file} in {path}")
        device = device or default_device()
        load: dict[str, Any] = {"local_files_only": True}
        if gguf_file is not None:
            load["gguf_file"] = gguf_file
        config = AutoConfig.from_pretrained(path, **load)
        auto = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
        model = auto.from_pretrained(path, dtype=dtype or default_dtype(device), **load)
        tokenizer = AutoTokenizer.from_pretrained(path, **load)
        kwargs.setdefault("name", path.name if gguf_file is None else gguf_file)
        return cls(model, tokenizer, device=device, **kwargs)

    def _format(self, prompt: str) -> str:
        if self.chat and getattr(self.tokenizer, "chat_template", None):
            return str(
                self.tokenizer.apply_chat_template(
                    [{"role": "user", "content": prompt}],
                    tokenize=False,
                    add_generation_prompt=True,
                )
            )
        return prompt

    def _hf_config(self, config: GenerationConfig) -> HFGenerationConfig:
        base = self.model.generation_config
        common: dict[str, Any] = {
            "max_new_tokens": config.max_new_tokens,
            "num_return_sequences": config.n,
            "return_dict_in_generate": True,
            "output_logits": True,
            "pad_token_id": self.pad_id,
            "eos_token_id": sorted(self.eos_ids) or None,
            "bos_token_id": base.bos_token_id,
            "decoder_start_token_id": base.decoder_start_token_id,
        }
        if config.stop:
            common["stop_strings"] = list(config.stop)
        if config.mode == "beam":
            return HFGenerationConfig(
                num_beams=config.num_beams,
                do_sample=False,
                length_penalty=0.0,
                early_stopping=True,
                **common,
            )
        if config.mode == "sample":
            return HFGenerationConfig(
                do_sample=True, temperature=config.temperature, top_k=0, top_p=1.0, **common
            )
        return HFGenerationConfig(do_sample=False, num_beams=1, **common)

    @torch.inference_mode()
    def generate_with(
        self, prompts: Sequence[str], config: GenerationConfig
    ) -> list[list[Candidate]]:
        results: list[list[Candidate]] = []
        was_training = self.model.training
        self.model.eval()
        try:
            for start in range(0, len(prompts), self.batch_size):
                batch = prompts[start : start + self.batch_size]
                results.extend(self._generate_batch(batch, config))
        finally:
            self.model.train(was_training)
        return results

    def _generate_batch(
        self, prompts: Sequence[str], config: GenerationConfig
    ) -> list[list[Candidate]]:
        texts = [self._format(p) for p in prompts]
        with self._tokenizer_lock:
            enc = self.tokenizer(
                texts,
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.max_input_tokens,
                add_special_tokens=not (
                    self.chat and getattr(self.tokenizer, "chat_template", None)
                ),
            ).to(self.device)
        out = self.model.generate(
            input_ids=enc["input_ids"],
            attention_mask=enc["attention_mask"],
            generation_config=self._hf_config(config),
            tokenizer=self.tokenizer if config.stop else None,
        )
        prompt_len = 1 if self.is_seq2seq else enc["input_ids"].shape[1]
        generated = out.sequences[:, prompt_len:]
        # Beam search may trim finished sequences below the number of decoding steps.
        steps = min(generated.shape[1], len(out.logits))
        generated = generated[:, :steps]
        rows = generated.shape[0]
        beam_indices = getattr(out, "beam_indices", None)
        if beam_indices is None:
            beam_indices = (
                torch.arange(rows, device=generated.device).unsqueeze(1).expand(rows, steps)
            )
        else:
            beam_indices = beam_indices[:, :steps]
        token_logprobs = torch.zeros(rows, steps, dtype=torch.float32)
        for t, logits in enumerate(out.logits[:steps]):
            step_lp = torch.log_softmax(logits.float(), dim=-1)
            src = beam_indices[:, t].clamp(min=0)
            token_logprobs[:, t] = step_lp[src, generated[:, t]].cpu()
        valid = (beam_indices >= 0).cpu()
        tokens = generated.cpu().tolist()
        per_prompt: list[list[Candidate]] = []
        for i in range(len(prompts)):
            with self._tokenizer_lock:
                cands = [
                    self._candidate(
                        tokens[r], token_logprobs[r].tolist(), valid[r].tolist(), config.stop
                    )
                    for r in range(i * config.n, (i + 1) * config.n)
                ]
            per_prompt.append(rank(cands))
        return per_prompt

    def _candidate(
        self, tokens: list[int], logprobs: list[float], valid: list[bool], stop: Sequence[str]
    ) -> Candidate:
        kept: list[int] = []
        kept_lps: list[float] = []
        finished = False
        for tok, lp, ok in zip(tokens, logprobs, valid, strict=True):
            if not ok or (tok == self.pad_id and tok not in self.eos_ids):
                finished = True
                break
            kept.append(tok)
            kept_lps.append(lp)
            if tok in self.eos_ids:
                finished = True
                break
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        if stop:
            text, cut = truncate_at_stop(text, stop)
            if cut:
                finished = True
                # Keep the shortest token prefix whose text reaches the stop string.
                for k in range(1, len(kept) + 1):
                    prefix = self.tokenizer.decode(kept[:k], skip_special_tokens=True)
                    if truncate_at_stop(prefix, stop)[1]:
                        kept, kept_lps = kept[:k], kept_lps[:k]
                        break
        return Candidate(
            text=text,
            logprob=float(sum(kept_lps)),
            token_logprobs=tuple(kept_lps),
            tokens=tuple(self.tokenizer.convert_ids_to_tokens(kept)),
            finish_reason="stop" if finished else "length",
        )
