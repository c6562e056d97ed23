"""Named prover configurations for ``proofplan eval prover`` and the benchmark.

Search configurations (best-first search, :mod:`prover.search.best_first`):

* ``fixed``: :class:`~prover.models.generators.simple.FixedTacticsGenerator` (no model), log-prob order.
* ``logprob``: the default learned tactic generator, no premises; priority = sum of log-probs.
* ``logprob+retrieval``: the same generator, mixed with premise-template tactics (``apply p.``,
  ``rewrite p.``, ... learned from the traced data, :mod:`~prover.models.generators.templates`)
  over the retriever's premises for each state (``template_weight``; the seq2seq model reads
  the premises only with ``premises_to_generator``).
* ``logprob+retrieval+progress``: as above, priority = sum of log-probs
  - ``progress_weight`` * predicted remaining steps (LeanProgress).
* ``...+sauto`` (``fixed+sauto``, ``logprob+retrieval+progress+sauto``): the same search, and
  at every expansion ``lia`` (under ``timeout 1``; it needs ``Lia`` in the theorem's context) and
  CoqHammer's ``sauto`` (for at most ``ProverSettings.sauto_timeout`` seconds, 0.5 by default) are tried as well
  (:class:`~prover.models.generators.simple.WithAutomation`; the context gets ``From Hammer Require
  Import Tactics.``).
  With ``+retrieval``, ``hauto use:`` the state's first retrieved facts (same limit) is tried too
  (``ProverSettings.premise_automation``); a state whose first facts were already tried together
  in this search gets the retrieved facts not tried yet first.
* ``...+hammer`` (``fixed+sauto+hammer``, ``logprob+retrieval+progress+sauto+hammer``): as the
  configuration before the suffix, and CoqHammer's ``hammer`` (external ATPs, seconds per call)
  is tried at the first ``ProverSettings.hammer_states`` expansions (by default the root only:
  at three states its calls took most of a 20 s budget), each call under its own limit ``ProverSettings.hammer_time_limit``
  (:class:`~prover.models.generators.simple.AutomationAtTop`, :mod:`prover.search.hammer`).

:data:`DEFAULT_CONFIG` (``logprob+retrieval+progress+sauto+hammer``) is what ``proofplan prove``,
``proofplan demo`` and callers without a preference use; with ``ProverSettings()`` as it comes,
the retriever searches the bundled sample's premise corpus (its index is built on first use,
minutes on a CPU, and cached under ``data/generated/premise_index``).

Automation configurations (:mod:`prover.search.baselines`): ``auto``, ``intuition``, ``lia``,
``firstorder``, ``sauto``, ``best``, ``hammer``, each tried as a whole proof.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import ProofplanError
from prover.env import ProofEnv, Theorem
from prover.models.common import ProgressModel, TacticGenerator
from prover.search import defaults as search_defaults
from prover.search.baselines import AUTOMATION, AutomationBaseline, with_import
from prover.search.best_first import (
    BestFirstSearch,
    PremiseSource,
    ProofChecker,
    SearchConfig,
    TacticFilter,
)
from prover.search.evaluation import Prover
from prover.search.hammer import HammerSearch, HammerTimeEnv, HammerWarmup, hammer_context

if TYPE_CHECKING:
    from prover.search.leak_check import FutureLemmaCheck

SEARCH_CONFIGS: tuple[str, ...] = (
    "fixed",
    "logprob",
    "logprob+retrieval",
    "logprob+retrieval+progress",
    "fixed+sauto",
    "logprob+retrieval+progress+sauto",
    "fixed+sauto+hammer",
    "logprob+retrieval+progress+sauto+hammer",
)
HAMMER_SUFFIX = "+sauto"
HAMMER_IMPORT = "From Hammer Require Import Tactics."
HAMMER_TACTIC_SUFFIX = "+hammer"
AUTOMATION_CONFIGS: tuple[str, ...] = tuple(AUTOMATION)
ALL_CONFIGS: tuple[str, ...] = SEARCH_CONFIGS + AUTOMATION_CONFIGS
DEFAULT_CONFIG = search_defaults.CONFIG


class UnknownConfigError(ProofplanError):
    """A configuration name that is not in :data:`ALL_CONFIGS`."""


@dataclass(frozen=True)
class ProverSettings:
    """Budget and knobs shared by every configuration of one run."""

    time_limit: float = 20.0
    max_expansions: int | None = None
    k: int = search_defaults.K
    #: candidates per state in the last widening round (``k``: never widen)
    max_k: int = search_defaults.MAX_K
    tactic_timeout: float = 5.0
    #: repaired tactics (a failed tactic's name qualified) run per expansion at most (0: none)
    max_repairs: int = search_defaults.MAX_REPAIRS
    progress_weight: float = search_defaults.PROGRESS_WEIGHT
    num_premises: int = 8
    models_dir: Path | None = None
    generator: str = "mixture"
    #: Dataset whose premise corpus the retriever searches (``+retrieval`` configs; default:
    #: the bundled sample, ``data/coq/sample``).
    dataset_dir: Path | None = None
    #: ``+retrieval``: the retrieved premises also become template tactics (``apply p.``, ...),
    #: mixed with the generator's candidates with this weight (0 turns templates off).
    template_weight: float = search_defaults.TEMPLATE_WEIGHT
    #: ``+retrieval``: whether the seq2seq generator also reads the retrieved premises. Off by
    #: default: the longer input made each expansion about 45% slower on the sample (816 vs
    #: 569 ms per state) for no gain in recall@32 of the traced tactic (14 vs 15 of 60).
    premises_to_generator: bool = False
    #: Benchmark runs: earlier lemmas of a theorem's file and proofs found earlier in the run
    #: join the k-NN memory before each theorem (:mod:`prover.search.online`).
    online_learning: bool = True
    #: torch intra-op threads for the learned models; on a shared CPU more threads than free
    #: cores make beam search over a hundred times slower (1.4 s vs 230 s per goal measured).
    torch_threads: int | None = 1
    #: ``+hammer`` configurations: seconds one ``hammer`` call may take (default: half the
    #: budget) and how many of the first expanded states it is tried on.
    hammer_time_limit: float | None = None
    hammer_states: int = 1
    #: ``+sauto`` configurations: seconds ``sauto``, ``lia`` and the premise ``hauto`` may each
    #: take at each expansion.
    sauto_timeout: float = search_defaults.SAUTO_TIMEOUT
    #: ``+retrieval+...+sauto`` configurations: CoqHammer's ``hauto`` with the state's retrieved
    #: premises (:data:`~prover.search.defaults.PREMISE_AUTOMATION`) at every expansion as well.
    premise_automation: bool = True

    @property
    def hammer_limit(self) -> float:
        return self.hammer_time_limit if self.hammer_time_limit is not None else self.time_limit / 2


@dataclass
class SearchComponents:
    """The learned parts a search configuration needs (loaded once, shared by many theorems)."""

    generator: TacticGenerator
    premises: PremiseSource | None = None
    progress: ProgressModel | None = None


def theorem_as_proved(config: str, theorem: Theorem, settings: ProverSettings | None = None) -> Theorem:
    """``theorem`` with the imports ``config`` adds to its context (what its proofs need)."""
    if config.endswith(HAMMER_TACTIC_SUFFIX):
        base = theorem_as_proved(config[: -len(HAMMER_TACTIC_SUFFIX)], theorem, settings)
        return with_import(base, hammer_context((settings or ProverSettings()).hammer_limit, theorem))
    if config in AUTOMATION:
        return with_import(theorem, AUTOMATION[config][1])
    if config.endswith(HAMMER_SUFFIX):
        return with_import(theorem, HAMMER_IMPORT)
    return theorem


#: Search configurations compose: a generator, then the parts added to it in this order (an
#: ablation drops one, e.g. ``logprob+progress+sauto+hammer`` is the default without retrieval).
_SEARCH_GRAMMAR = re.compile(r"(fixed|logprob(\+retrieval)?(\+progress)?)(\+sauto)?(\+hammer)?")


def is_config(name: str) -> bool:
    return name in AUTOMATION_CONFIGS or _SEARCH_GRAMMAR.fullmatch(name) is not None


def base_generator_config(config: str) -> str:
    """The bare generator of a search configuration (``fixed`` or ``logprob``), which a shared
    model serves; the rest of the configuration wraps it in each prover."""
    return check_config(config).split("+", 1)[0]


def check_config(name: str) -> str:
    if not is_config(name):
        raise UnknownConfigError(
            f"unknown configuration {name!r}; one of {', '.join(ALL_CONFIGS)}, or a generator "
            "(fixed, logprob) followed by +retrieval, +progress, +sauto, +hammer in that order"
        )
    return name


def coq_timeout(seconds: float) -> int:
    """Coq's ``timeout N`` for a limit of ``seconds`` (whole seconds, at least 1); the search's own
    per-tactic limit (:attr:`TacticCandidate.time_limit`) cuts a call shorter."""
    if not seconds > 0:
        raise ProofplanError(f"sauto_timeout must be a positive number of seconds, not {seconds}")
    return max(1, math.ceil(seconds))


def automation_tactics(sauto_timeout: float) -> tuple[str, ...]:
    """The tactics ``+sauto`` adds at every expansion."""
    return ("timeout 1 lia.", f"timeout {coq_timeout(sauto_timeout)} sauto.")


def premise_automation_tactics(settings: ProverSettings) -> tuple[str, ...]:
    """The tactics ``+sauto`` adds at every expansion with the state's retrieved premises in the
    slot (``+retrieval`` configurations; none with ``settings.premise_automation`` off)."""
    if not settings.premise_automation:
        return ()
    return (f"timeout {coq_timeout(settings.sauto_timeout)} {search_defaults.PREMISE_AUTOMATION}",)


def load_components(
    config: str, settings: ProverSettings, generator: TacticGenerator | None = None,
    progress: ProgressModel | None = None,
) -> SearchComponents:
    """Load the generator (and retriever, progress model) that ``config`` uses.

    With ``generator`` given (a shared model, e.g. served to Ray workers: the bare one of
    :func:`base_generator_config`), the retriever and progress model are loaded and the
    templates and automation wrapped around it, per prover. With
    ``progress`` given (e.g. :class:`~prover.models.progress.LengthBaseline`), a ``+progress``
    configuration uses it instead of loading the default progress model.
    """
    check_config(config)
    if config in AUTOMATION_CONFIGS:
        raise UnknownConfigError(f"{config!r} is an automation baseline, not a search configuration")
    if config.endswith(HAMMER_TACTIC_SUFFIX):
        # Wrapped here even around a given (shared) generator: which states are the first ones
        # is a matter of one search, counted per prover and reset per theorem.
        base = load_components(config[: -len(HAMMER_TACTIC_SUFFIX)], settings, generator, progress)
        from prover.models.generators.simple import AutomationAtTop

        hammer = AutomationAtTop(base.generator, states=settings.hammer_states)
        return SearchComponents(hammer, base.premises, base.progress)
    if config.endswith(HAMMER_SUFFIX):
        base = load_components(config[: -len(HAMMER_SUFFIX)], settings, generator, progress)
        from prover.models.generators.simple import WithAutomation

        automation = WithAutomation(base.generator, automation_tactics(settings.sauto_timeout),
                                    premise_tactics=premise_automation_tactics(settings),
                                    premise_count=search_defaults.PREMISE_AUTOMATION_COUNT,
                                    time_limit=settings.sauto_timeout)
        return SearchComponents(automation, base.premises, base.progress)
    if config == "fixed":
        if generator is not None:
            return SearchComponents(generator)
        from prover.models.generators.simple import FixedTacticsGenerator

        return SearchComponents(FixedTacticsGenerator())
    from prover.models import defaults as default_models

    if generator is None:
        if settings.torch_threads is not None:
            import torch

            torch.set_num_threads(settings.torch_threads)
        generator = default_models.tactic_generator(settings.models_dir, settings.generator)
    premises = None
    if "retrieval" in config:
        from common.paths import data_dir

        dataset = settings.dataset_dir if settings.dataset_dir is not None else data_dir() / "coq" / "sample"
        if not dataset.is_dir():
            raise ProofplanError(f"{config!r} retrieves premises: dataset {dataset} does not exist")
        premises = default_models.premise_source(settings.models_dir, dataset, settings.num_premises)
        templates = None
        if settings.template_weight > 0:
            templates = default_models.premise_templates(settings.models_dir, dataset)
        if templates is not None or not settings.premises_to_generator:
            from prover.models.generators.templates import TemplateGenerator

            generator = TemplateGenerator(generator, templates, weight=settings.template_weight,
                                          premises_to_base=settings.premises_to_generator)
    if not config.endswith("+progress"):
        progress = None
    elif progress is None:
        progress = default_models.progress_model(settings.models_dir)
    return SearchComponents(generator, premises, progress)


def build_prover(
    config: str,
    env: ProofEnv,
    settings: ProverSettings,
    components: SearchComponents | None = None,
    checker: ProofChecker | None = None,
    tactic_filter: TacticFilter | None = None,
) -> Prover:
    """A ``Theorem -> SearchResult`` callable for ``config`` on ``env``; ``checker`` re-checks
    finished proofs (default ``env.verify``) and ``tactic_filter`` keeps the search from running
    tactics that checker would reject anyway (automation baselines run no generated tactic)."""
    check_config(config)
    if config in AUTOMATION_CONFIGS:
        return AutomationBaseline(env, config, time_limit=settings.time_limit, checker=checker)
    components = components or load_components(config, settings)
    hammer: HammerSearch | None = None
    if config.endswith(HAMMER_TACTIC_SUFFIX):
        hammer = HammerSearch(HammerTimeEnv(env, settings.hammer_limit), settings.time_limit,
                              HammerWarmup(env))
        checker = hammer.checker(checker or env.verify)
        env = hammer.env
    search_config = SearchConfig(
        k=settings.k,
        max_k=settings.max_k,
        max_expansions=settings.max_expansions,
        time_limit=settings.time_limit,
        tactic_timeout=settings.tactic_timeout,
        max_repairs=settings.max_repairs,
        progress_weight=settings.progress_weight if components.progress is not None else 0.0,
    )
    search = BestFirstSearch(env, components.generator, search_config, components.progress,
                             components.premises, checker, tactic_filter)
    if hammer is not None:
        hammer.prove = search.prove
        return lambda theorem: hammer(theorem_as_proved(config, theorem, settings))
    if config.endswith(HAMMER_SUFFIX):
        return lambda theorem: search.prove(with_import(theorem, HAMMER_IMPORT))
    return search.prove


def evaluation_prover(
    config: str,
    env: ProofEnv,
    settings: ProverSettings,
    components: SearchComponents | None = None,
    checker: FutureLemmaCheck | None = None,
) -> Prover:
    """The prover a benchmark run uses for ``config`` on ``env`` (single-process and Ray alike).

    Finished proofs are re-checked by :class:`~prover.search.leak_check.FutureLemmaCheck` built from
    ``settings.dataset_dir`` (or ``checker``, when a caller reuses one across configurations): a
    theorem whose context loads its own file must not be proved with itself or a later lemma of
    that file, and the search skips tactics that name one. Without a dataset the plain
    ``env.verify`` checks. With ``settings.online_learning`` the k-NN memory learns as the run
    goes (:func:`online_prover`).
    """
    if checker is None and settings.dataset_dir is not None:
        from prover.search.leak_check import FutureLemmaCheck

        checker = FutureLemmaCheck.from_dataset(env, settings.dataset_dir)
    if config not in AUTOMATION_CONFIGS and components is None:
        components = load_components(config, settings)
    prover = build_prover(config, env, settings, components, checker, checker.tactic_filter if checker else None)
    return online_prover(prover, components, settings) if settings.online_learning else prover


def online_prover(prover: Prover, components: SearchComponents | None, settings: ProverSettings) -> Prover:
    """``prover`` with online learning (:mod:`prover.search.online`) when its generator has a
    k-NN memory in this process (a generator served by another process has none here)."""
    from prover.models.generators.knn import knn_memory_of

    knn = knn_memory_of(components.generator) if components is not None else None
    if knn is None:
        return prover
    from prover.search.online import OnlineMemory

    return OnlineMemory.from_dataset(knn, settings.dataset_dir).wrap(prover)
