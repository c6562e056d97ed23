"""Online learning: the k-NN memory grows by FAISS adds, in file order, never showing a theorem
itself or a later lemma of its file."""

from __future__ import annotations

import networkx as nx

from prover.data.records import TracedTactic, TracedTheorem
from prover.env import Theorem
from prover.models.generators.combined import MixtureGenerator
from prover.models.generators.knn import KnnGenerator, knn_memory_of
from prover.models.generators.simple import FixedTacticsGenerator, WithAutomation
from prover.search.best_first import SearchResult
from prover.search.online import OnlineMemory, proof_path_pairs

GOAL = "x : nat\n============================\nx * 7 = 7 * x + 0"


def _lemma(name: str, line: int, tactic: str) -> TracedTheorem:
    return TracedTheorem(url="u", commit="c", file_path="F.v", full_name=name, start=(line, 1), end=(line + 2, 1),
                         traced_tactics=[TracedTactic(tactic=tactic, annotated_tactic=(tactic, []),
                                                      state_before=GOAL, state_after="no goals")])


def _theorem(name: str) -> Theorem:
    return Theorem(name=name, statement="forall x : nat, x * 7 = 7 * x + 0", file_path="F.v", full_name=name)


def _proved(theorem: Theorem, tactics: list[str]) -> SearchResult:
    tree = nx.DiGraph()
    tree.add_node(0, goals=GOAL, kind="expanded")
    for i, tac in enumerate(tactics, start=1):
        last = i == len(tactics)
        tree.add_node(i, goals="" if last else f"{GOAL} (step {i})", kind="proved" if last else "expanded",
                      verified=True)
        tree.add_edge(i - 1, i, tactic=tac)
    tree.add_node(99, goals="", kind="error")
    tree.add_edge(0, 99, tactic="wrong.")
    return SearchResult(theorem, "proved", tactics, tree, len(tactics), len(tactics) + 1, 1.0)


def _tactics(knn: KnnGenerator) -> set[str]:
    return {c.tactic for c in knn.suggest(GOAL, [], 50)}


def test_knn_add_grows_the_index_without_rebuilding(encoder):
    knn = KnnGenerator.build(encoder, ["n : nat\n============================\nn = n"], ["reflexivity."])
    index = knn.index
    ids = knn.add([GOAL], ["ring."])
    assert knn.index is index and ids == [1] and len(knn.index) == 2
    assert "ring." in _tactics(knn)
    knn.blocked = frozenset(ids)
    assert "ring." not in _tactics(knn)


def test_file_lemmas_join_in_order_and_later_ones_stay_out(encoder):
    knn = KnnGenerator.build(encoder, ["n : nat\n============================\nn = n"], ["reflexivity."])
    lemmas = [_lemma("early", 10, "early_tac."), _lemma("target", 20, "target_tac."),
              _lemma("late", 30, "late_tac.")]
    memory = OnlineMemory(knn, lemmas)
    memory.before(_theorem("target"))
    seen = _tactics(knn)
    assert "early_tac." in seen and "target_tac." not in seen and "late_tac." not in seen
    memory.after(_theorem("target"), _proved(_theorem("target"), ["timeout 3 found_a.", "found_b."]))
    # the found proof joins (state before each step, tactic without the search's time limit)
    assert [e.source for e in memory.entries] == ["file", "run"]
    memory.before(_theorem("late"))
    seen = _tactics(knn)
    assert {"early_tac.", "target_tac.", "found_a."} <= seen and "late_tac." not in seen
    memory.after(_theorem("late"), _proved(_theorem("late"), ["x."]))
    # out of file order: the earlier lemma never sees the later lemmas' traced or found proofs
    memory.before(_theorem("early"))
    seen = _tactics(knn)
    assert not seen & {"early_tac.", "target_tac.", "late_tac.", "found_a.", "x."}
    assert len(knn.index) == 1 + 1 + 2 + 1 + 1  # base, early, target's proof, target, late's proof


def test_proof_path_pairs_follow_the_verified_path():
    result = _proved(_theorem("t"), ["timeout 2 a.", "b."])
    assert proof_path_pairs(result) == [(GOAL, "a."), (f"{GOAL} (step 1)", "b.")]


def test_knn_memory_is_found_inside_wrappers(encoder):
    knn = KnnGenerator.build(encoder, [GOAL], ["ring."])
    other = FixedTacticsGenerator()
    assert knn_memory_of(WithAutomation(MixtureGenerator([other, knn]), ["timeout 1 lia."])) is knn
    assert knn_memory_of(other) is None


def test_memory_from_a_dataset_reads_every_lemma_once(encoder, coq_dataset):
    from prover.data.dataset import load_split

    knn = KnnGenerator.build(encoder, [GOAL], ["ring."])
    memory = OnlineMemory.from_dataset(knn, coq_dataset)
    test = load_split(coq_dataset, "random", "test")
    target = max(test, key=lambda r: r.start)  # late in its file: earlier lemmas of every part exist
    earlier = [r for r in memory.by_file[target.file_path] if tuple(r.start) < tuple(target.start)]
    assert sum(len(v) for v in memory.by_file.values()) == 120 and earlier
    memory.before(Theorem(name="t", statement="True", file_path=target.file_path, full_name=target.full_name))
    assert len(knn.index) == 1 + sum(len(r.traced_tactics) for r in earlier)
    assert {e.name for e in memory.entries} == {r.full_name for r in earlier}
