"""Shared fixtures for the travel planner tests (database loaded once per session)."""

import pytest

from planner.travel.database import load_database
from planner.travel.dataset import load_split


@pytest.fixture(scope="session")
def db():
    return load_database()


@pytest.fixture(scope="session")
def queries():
    return {q.idx: q for q in load_split("train")}


@pytest.fixture(scope="session")
def run_cli():
    import subprocess
    import sys

    def run(*args, timeout=300):
        return subprocess.run([sys.executable, "-m", "proofplan.cli", *args], capture_output=True, text=True,
                              timeout=timeout)

    return run
