"""Where the project's bundled data lives (override with PROOFPLAN_DATA)."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The bundled ``data/`` folder, or ``$PROOFPLAN_DATA`` when set."""
    return Path(os.environ.get("PROOFPLAN_DATA", REPO_ROOT / "data"))
