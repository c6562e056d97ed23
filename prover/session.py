"""One warm prover for many theorems, in Python and notebooks.

::

    from prover.session import Prover

    with Prover() as prover:
        print(prover.prove("forall n : nat, n + 0 = n").proof)
        print(prover.prove("forall (A : Type) (l : list A), rev (rev l) = l", "Require Import List.").proof)

A :class:`Prover` holds one Coq process and one search configuration (default
:data:`~prover.search.configs.DEFAULT_CONFIG`). The configuration's models load on the first
theorem that needs them (:mod:`prover.search.quick`: ``lia`` and ``sauto`` try each root
first) and stay loaded; CoqHammer's feature cache is filled once per process and context. So
only the first theorem pays for start-up, and each later one costs its search.
"""

from __future__ import annotations

from types import TracebackType

from prover.env import ProofEnv, Theorem
from prover.search.best_first import SearchResult
from prover.search.configs import DEFAULT_CONFIG, ProverSettings, build_prover, check_config
from prover.search.quick import QuickFirst


class Prover:
    """Proves theorems one after another with ``config`` on one env (a fresh
    :class:`~prover.coq.env.CoqEnv` unless ``env`` is given; closed by :meth:`close` only when
    made here). ``quick=False`` skips the quick tactics and always runs the full search."""

    def __init__(self, config: str = DEFAULT_CONFIG, settings: ProverSettings | None = None,
                 env: ProofEnv | None = None, quick: bool = True) -> None:
        self.config = check_config(config)
        self.settings = settings or ProverSettings()
        if env is None:
            from prover.coq import CoqEnv

            env = CoqEnv()
            self._owns_env = True
        else:
            self._owns_env = False
        self.env = env
        self._search = QuickFirst(self.config, env, self.settings,
                                  lambda: build_prover(self.config, env, self.settings))
        self.quick = quick

    @property
    def loaded(self) -> bool:
        """Whether the configuration's models are loaded (the full search was needed once)."""
        return self._search.loaded

    def prove(self, theorem: Theorem | str, context: str = "", name: str = "goal") -> SearchResult:
        """Search for a proof of ``theorem`` (a :class:`~prover.env.Theorem`, or a statement with
        the ``context`` it needs, e.g. ``"Require Import List."``)."""
        if isinstance(theorem, str):
            theorem = Theorem(name=name, statement=theorem, context=context)
        elif context:
            raise ValueError("give the context inside the Theorem, not beside it")
        return self._search(theorem) if self.quick else self._search.full()(theorem)

    def close(self) -> None:
        if self._owns_env:
            self.env.close()

    def __enter__(self) -> Prover:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
