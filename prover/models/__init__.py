"""The learned stages of the prover: tactic generators, the premise retriever and the progress
predictor, with the seams they implement (:mod:`prover.models.common`) and the loading of the
shipped models (:mod:`prover.models.defaults`)."""
