"""Each module here owns the commands of one area and registers them on import."""

from proofplan.commands import api, demo, lm, prover, prover_data, prover_models, retrieval, travel  # noqa: F401
