"""Tiny transformers models built from configs (random weights, no files, no downloads)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    ByT5Tokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    T5Config,
    T5ForConditionalGeneration,
)

from lm.hf_local import HFLocalModel

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = [
    "intros n. induction n. simpl. reflexivity. auto. lia. rewrite IHn. apply H.",
    "theorem add_zero (n : Nat) : n + 0 = n := by simp",
    "Lemma plus_comm : forall n m, n + m = m + n. Proof. intros. lia. Qed.",
    "goal: forall x, x = x. tactic: reflexivity.",
]


def byte_bpe_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained here on a few proof lines."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=["<pad>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )


def tiny_llama(tokenizer: PreTrainedTokenizerFast, seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        initializer_range=0.5,
        tie_word_embeddings=False,
    )
    return LlamaForCausalLM(config)


def tiny_t5(tokenizer: ByT5Tokenizer, seed: int = 0) -> T5ForConditionalGeneration:
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=64,
        d_ff=128,
        d_kv=16,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        decoder_start_token_id=tokenizer.pad_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        initializer_factor=4.0,
    )
    return T5ForConditionalGeneration(config)


@pytest.fixture(scope="session")
def causal_lm() -> HFLocalModel:
    tok = byte_bpe_tokenizer()
    return HFLocalModel(tiny_llama(tok).eval(), tok, device="cpu", name="tiny-llama")


@pytest.fixture(scope="session")
def seq2seq_lm() -> HFLocalModel:
    tok = ByT5Tokenizer()
    return HFLocalModel(tiny_t5(tok).eval(), tok, device="cpu", name="tiny-t5")


@pytest.fixture(scope="session")
def causal_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tiny causal model saved as a local model directory."""
    path = tmp_path_factory.mktemp("tiny-llama")
    tok = byte_bpe_tokenizer()
    tiny_llama(tok).save_pretrained(path)
    tok.save_pretrained(path)
    yield path
