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
