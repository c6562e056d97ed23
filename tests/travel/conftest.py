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
