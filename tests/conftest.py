"""Shared test set-up: keep every model load offline; a language model that replays answers."""

import os

import pytest

from lm.base import Candidate, LanguageModel

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class ReplayModel(LanguageModel):
    """Answers each prompt with the next recorded text ("{}" once they run out); remembers the
    prompts it saw."""

    name = "replay"

    def __init__(self, answers):
        self.answers = list(answers)
        self.prompts = []

    def generate_with(self, prompts, config):
        self.prompts.extend(prompts)
        return [[Candidate(text=self.answers.pop(0) if self.answers else "{}", logprob=-1.0, finish_reason="stop")]
                for _ in prompts]


@pytest.fixture
def replay_model():
    """``replay_model(answers)`` makes a :class:`ReplayModel`."""
    return ReplayModel
