"""Sibling pairs read off real proved search trees (Coq), and their resumable collection."""

import json

import networkx as nx
import pytest

from common.errors import ProofplanError
from prover.env import Theorem
from prover.models.generators.simple import FixedTacticsGenerator
from prover.search.best_first import BestFirstSearch, SearchConfig
from prover.search.pairs import collect_pairs, held_out, load_pairs, read_tree_records, tree_pairs

# `intros.` and `intro.` reach different states from the root, so the proof path has siblings.
GENERATOR = FixedTacticsGenerator(["intros.", "intro.", "split.", "assumption."])
CONJ = Theorem("conj3", "forall P Q R : Prop, P -> Q -> R -> (P /\\ Q) /\\ R")


def prove(env, theorem):
    config = SearchConfig(k=8, time_limit=30.0, max_expansions=80, progress_weight=0.0)
    return BestFirstSearch(env, GENERATOR, config).prove(theorem)


def test_pairs_of_a_proved_tree(coq_env):
    result = prove(coq_env, CONJ)
    assert result.proved
    record = tree_pairs(result)
    length = len(result.proof)
    assert record.proved and record.name == "conj3"
    assert [p.steps for p in record.path] == list(range(length, 0, -1))
    assert record.path[0].state == result.tree.nodes[0]["goals"]
    # the path states replay the proof: each is the tree node its tactics lead to
    tree = result.tree
    proved = next(n for n, k in tree.nodes(data="kind") if k == "proved")
    nodes = nx.shortest_path(tree, 0, proved)
    assert [tree.nodes[n]["goals"] for n in nodes[:-1]] == [p.state for p in record.path]
    assert [p.tactic for p in record.path] == result.proof
    assert record.pairs
    on_path = {p.state: p.steps for p in record.path}
    for pair in record.pairs:
        assert on_path[pair.closer] == pair.steps
        assert pair.farther not in on_path and pair.farther != pair.closer
        # the sibling is a child of the closer state's parent
        child = next(n for n in nodes if tree.nodes[n]["goals"] == pair.closer)
        parent = next(tree.predecessors(child))
        assert pair.farther in {tree.nodes[s]["goals"] for s in tree.successors(parent)}
        # with how the search reached both: the common parent, the tactics to it, each one's tactic
        assert pair.parent == tree.nodes[parent]["goals"]
        assert pair.prefix == result.proof[: len(pair.prefix)] and pair.closer_tactic == result.proof[len(pair.prefix)]
        sibling = next(s for s in tree.successors(parent) if tree.nodes[s]["goals"] == pair.farther)
        assert pair.farther_tactic == tree.edges[parent, sibling]["tactic"] != pair.closer_tactic
    # states off the proof, each with the tactics that reached it from the root and its parent
    assert record.off_path
    for off in record.off_path:
        assert off.state not in on_path
        node = next(n for n, d in tree.nodes(data=True) if d["goals"] == off.state)
        route = nx.shortest_path(tree, 0, node)
        assert off.tactics == [tree.edges[a, b]["tactic"] for a, b in nx.utils.pairwise(route)]
        assert off.parent == tree.nodes[route[-2]]["goals"]


def test_unproved_search_has_no_pairs(coq_env):
    result = prove(coq_env, Theorem("false_eq", "forall n : nat, n = S n"))
    record = tree_pairs(result)
    assert not record.proved and record.path == [] and record.pairs == []


def test_collection_resumes_without_searching_again(coq_env, tmp_path):
    out = tmp_path / "pairs.jsonl"
    theorems = [CONJ, Theorem("false_eq", "forall n : nat, n = S n")]
    first = collect_pairs(theorems[:1], lambda t: prove(coq_env, t), out, show_progress=False)
    with out.open("a") as fh:  # a kill mid-write leaves a cut line; it is dropped on resume
        fh.write('{"name": "cut')

    def searched_twice(theorem):
        assert theorem.name != "conj3", "conj3 was already in the file"
        return prove(coq_env, theorem)

    records = collect_pairs(theorems, searched_twice, out, show_progress=False)
    assert [r.name for r in records] == ["conj3", "false_eq"]
    assert records[0] == first[0]
    assert len(out.read_text().splitlines()) == 2


def test_pairs_split_by_theorem_and_bad_lines_are_named(tmp_path):
    pair = {"closer": "a", "steps": 1, "farther": "b"}
    names = [f"thm{i}" for i in range(40)]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"name": n, "proved": True, "expansions": 1, "time": 0.1,
                                        "pairs": [pair]}) + "\n" for n in names))
    train, val = load_pairs([path, path])  # a theorem in two files counts once
    assert len(train) + len(val) == 40
    assert len(val) == sum(held_out(n) for n in names) > 0
    path.write_text(path.read_text() + '{"name": 3}\n')
    with pytest.raises(ProofplanError, match=r"pairs.jsonl:41: not a pairs record"):
        read_tree_records(path)
