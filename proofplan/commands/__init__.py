"""Each module here owns the commands of one area and registers them on import."""

from proofplan.commands import (  # noqa: F401
    api,
    coq,
    demo,
    lm,
    prover_data,
    prover_models,
    retrieval,
    search,
    travel,
)
