"""Every notebook under notebooks/ runs top to bottom in a fresh kernel (nbclient, the engine
behind nbmake) on the shipped models and data, and writes its picture: a non-empty PNG under
notebooks/figures/ that the run itself produced (any old file is removed first).

The notebooks run here rather than through ``pytest --nbmake`` so that each one runs once and
its figure is checked right after, whatever order pytest chooses."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FIGURES = NOTEBOOKS / "figures"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: notebook -> the figure it must write
EXPECTED = {
    "01_interactive_proving.ipynb": "01_search_tree.png",
    "02_premises_and_progress.ipynb": "02_progress.png",
    "03_travel_planning.ipynb": "03_travel_costs.png",
    "04_api_orchestration.ipynb": "04_dataflow.png",
}


def test_every_notebook_is_checked() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


def test_notebooks_are_committed_without_outputs() -> None:
    for name in EXPECTED:
        book = nbformat.read(NOTEBOOKS / name, as_version=4)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_draws(name: str) -> None:
    figure = FIGURES / EXPECTED[name]
    figure.unlink(missing_ok=True)
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    # jupyter_client starts the "python3" kernel with this interpreter (the venv's)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.monotonic()
    client.execute()
    seconds = time.monotonic() - start
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    data = figure.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000, f"{figure} is not a drawn PNG"
    print(f"{name}: {seconds:.1f} s")
