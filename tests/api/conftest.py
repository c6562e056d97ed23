"""Shared fixtures for the API planner tests."""

import pytest

from planner.api.catalog import load_catalog


@pytest.fixture(scope="session")
def travel():
    return load_catalog("travel")


@pytest.fixture(scope="session")
def shopping():
    return load_catalog("shopping")


@pytest.fixture(scope="session")
def workplace():
    return load_catalog("workplace")
