"""Fixtures of the search tests: one real Coq session per module."""

import shutil

import pytest

if shutil.which("coqtop") is None:  # pragma: no cover - Coq is installed by `make setup`
    pytest.skip("coqtop is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def coq_env():
    from prover.coq import CoqEnv

    env = CoqEnv()
    yield env
    env.close()
