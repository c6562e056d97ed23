"""Every command in the README runs, so the README cannot rot.

The commands are read from the README's fenced blocks:

* ``bash``: each line (``\\`` continues a line) runs with ``bash -c`` from the repository root,
  with the venv's ``bin`` first on ``PATH``. A trailing ``# exit code N`` comment sets the
  exit status the command must end with (default 0).
* ``python``: each block runs as a script with this interpreter.
* ``console`` and ``pycon``: documentation only (Lean or a GPU); not run here.

``make test`` is what CI runs, so it cannot run inside the test suite (it would run itself).
``make run`` is ``make setup`` followed by ``proofplan demo``: the set-up is what created the
environment these tests run in, so the test runs ``proofplan demo`` and checks its output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RUN_LANGUAGES = {"bash", "python"}
DOC_LANGUAGES = {"console", "pycon"}
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.M | re.S)
EXIT_CODE = re.compile(r"#\s*exit code (\d+)\s*$")
MAKE_TARGETS = re.compile(r"^make (run|test)\b")


@dataclass(frozen=True)
class Block:
    language: str
    text: str


@dataclass(frozen=True)
class Command:
    line: str
    exit_code: int


def blocks(text: str) -> list[Block]:
    return [Block(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def commands(block: Block) -> list[Command]:
    """The shell commands of a bash block (comment lines skipped, continuations joined)."""
    out: list[Command] = []
    pending = ""
    for raw in block.text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if not line or line.startswith("#"):
            continue
        code = EXIT_CODE.search(line)
        out.append(Command(line, int(code.group(1)) if code else 0))
    return out


README_BLOCKS = blocks(README.read_text(encoding="utf-8"))
BASH = [c for b in README_BLOCKS if b.language == "bash" for c in commands(b)]
SHELL = [c for c in BASH if not MAKE_TARGETS.match(c.line)]
PYTHON = [b.text for b in README_BLOCKS if b.language == "python"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    return env


def test_every_block_is_run_or_marked_documentation_only() -> None:
    languages = {b.language for b in README_BLOCKS}
    assert languages <= RUN_LANGUAGES | DOC_LANGUAGES, languages
    assert SHELL and PYTHON
    assert {m.group(1) for c in BASH if (m := MAKE_TARGETS.match(c.line))} == {"run", "test"}


def test_make_run_is_setup_then_the_demo() -> None:
    """``make run`` = set-up + ``proofplan demo``; the demo's four stages must print."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe and "setup" in makefile.split("run:", 1)[1].splitlines()[0]
    assert "proofplan demo" in recipe.group(1)
    out = subprocess.run(["proofplan", "demo"], cwd=ROOT, env=environment(), capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert re.search(r"Qed\.", text) and "accepted by coqc" in text
    assert "Itinerary" in text and "verified by the TravelPlanner checks" in text
    assert "no plan exists" in text and "verified repairs" in text and "Repaired itinerary" in text
    assert "get_info(payment_method)" in text and "checkout(" in text


@pytest.mark.parametrize("command", SHELL, ids=[c.line[:60] for c in SHELL])
def test_readme_command(command: Command) -> None:
    (ROOT / "out").mkdir(exist_ok=True)
    out = subprocess.run(["bash", "-c", command.line], cwd=ROOT, env=environment(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == command.exit_code, f"{command.line}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("source", PYTHON, ids=[f"python-{i}" for i in range(len(PYTHON))])
def test_readme_python(source: str) -> None:
    out = subprocess.run([sys.executable, "-c", source], cwd=ROOT, env=environment(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip()
