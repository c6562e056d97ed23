"""The command line lists its subcommands and each one answers --help."""

import subprocess
import sys

import pytest

SUBCOMMANDS = ["prove", "plan", "eval", "data", "train", "index"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proofplan.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_help_lists_subcommands():
    out = _run("--help")
    assert out.returncode == 0, out.stderr
    for name in SUBCOMMANDS:
        assert name in out.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help(name):
    out = _run(name, "--help")
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "search-pairs", "data/coq/sample", "--shard", "3/2"], "--shard 3/2: need 0 <= I < N"),
        (["data", "search-pairs", "data/coq/sample", "--shard", "x"], "--shard must look like I/N"),
        (["data", "search-pairs", "data/coq/sample", "--config", "auto"], "'auto' is an automation baseline"),
        (["eval", "progress", "data/coq/sample", "--search-pairs", "no/such.jsonl"], "no pairs file at no/such.jsonl"),
        (["data", "search-pairs", "data/coq/sample", "--skip", "100000"], "no theorems of val left to search"),
        (["train", "progress", "data/coq/sample", "--context", "depth,history"], "unknown --context group(s) history"),
    ],
)
def test_search_pairs_bad_input_is_one_line(args, message):
    out = _run(*args)
    assert out.returncode != 0
    err = out.stderr.strip()
    assert err.startswith(f"error: {message}") and len(err.splitlines()) == 1, err
