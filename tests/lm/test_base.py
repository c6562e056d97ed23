"""Generation arguments are validated before any backend runs."""

import pytest

from common.errors import ProofplanError
from lm.base import Candidate, GenerationConfig, rank, truncate_at_stop
from lm.errors import GenerationArgumentError


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n": 0}, "n must be"),
        ({"num_beams": 0}, "num_beams must be"),
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"temperature": -0.5}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"n": 5, "num_beams": 4}, "exceeds num_beams"),
        ({"n": 3}, "needs sampling"),
        ({"stop": ("",)}, "stop strings"),
    ],
)
def test_bad_arguments_raise_one_line_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(GenerationArgumentError, match=fragment) as info:
        GenerationConfig(**kwargs)
    assert isinstance(info.value, ProofplanError)
    assert "\n" not in str(info.value)


def test_modes() -> None:
    assert GenerationConfig().mode == "greedy"
    assert GenerationConfig(n=4, temperature=0.7).mode == "sample"
    assert GenerationConfig(n=2, num_beams=4).mode == "beam"


def test_truncate_at_earliest_stop() -> None:
    assert truncate_at_stop("simp.\nauto.", ["\n", "."]) == ("simp", True)
    assert truncate_at_stop("simp", ["\n"]) == ("simp", False)


def test_rank_orders_by_logprob() -> None:
    ranked = rank([Candidate("a", -3.0), Candidate("b", -0.5), Candidate("c", -1.0)])
    assert [c.text for c in ranked] == ["b", "c", "a"]
