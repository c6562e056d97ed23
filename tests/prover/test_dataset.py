"""Dataset I/O in the LeanDojo Benchmark 4 layout: loading real LeanDojo records, writing our
own folders, the two splits, premise accessibility and steps_remaining."""

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prover.data.dataset import (
    CorpusIndex,
    DatasetError,
    accessible_premises,
    compute_steps_remaining,
    dataset_stats,
    load_corpus,
    load_metadata,
    load_split,
    make_splits,
    premises_used,
    split_goals,
    theorem_key,
    write_dataset,
)
from prover.data.records import CorpusFile, CorpusPremise, PremiseRef, TracedTactic, TracedTheorem

FIXTURES = Path(__file__).parent / "fixtures"
EXCERPT = FIXTURES / "leandojo_excerpt"  # 10 real theorems of LeanDojo Benchmark 4 random/val


# --------------------------------------------------------------------------- real LeanDojo files


def test_load_real_leandojo_excerpt():
    theorems = load_split(EXCERPT, "random", "val")
    assert len(theorems) == 10
    first = theorems[0]
    assert first.full_name == "WithLp.prod_nnnorm_eq_add"
    assert first.start == (610, 1) and first.end == (613, 59)
    assert [t.tactic for t in first.traced_tactics] == [
        "ext",
        "simp [prod_norm_eq_add (p.toReal_pos_iff_ne_top.mpr hp)]",
    ]
    simp = first.traced_tactics[1]
    assert simp.premises[0].full_name == "WithLp.prod_norm_eq_add"
    assert simp.premises[0].def_pos == (272, 9)
    assert simp.state_after == "no goals"
    # LeanDojo files carry no steps_remaining; the loader fills it unless asked not to.
    assert [t.steps_remaining for t in first.traced_tactics] == [2, 1]
    raw = load_split(EXCERPT, "random", "val", fill_steps_remaining=False)
    assert all(t.steps_remaining is None for thm in raw for t in thm.traced_tactics)
    assert sum(len(t.traced_tactics) for t in theorems) == 5
    meta = load_metadata(EXCERPT)
    assert meta.dataset_name == "LeanDojo Benchmark 4"
    assert meta.from_repo is not None and meta.from_repo.commit.startswith("29dcec07")


def test_real_excerpt_round_trips_through_writer(tmp_path):
    theorems = load_split(EXCERPT, "random", "val")
    out = tmp_path / "ds"
    written = write_dataset(theorems, [], out, seed=1, metadata={"dataset_name": "excerpt"})
    assert written.num_theorems == 10
    for split in ("random", "novel_premises"):
        back = [t for part in ("train", "val", "test") for t in load_split(out, split, part)]
        assert sorted(map(theorem_key, back)) == sorted(map(theorem_key, theorems))
    by_name = {
        t.full_name: t for p in ("train", "val", "test") for t in load_split(out, "random", p)
    }
    orig = {t.full_name: t for t in theorems}
    for name, thm in by_name.items():
        assert [t.tactic for t in thm.traced_tactics] == [
            t.tactic for t in orig[name].traced_tactics
        ]
        assert [t.annotated_tactic for t in thm.traced_tactics] == [
            t.annotated_tactic for t in orig[name].traced_tactics
        ]
    assert [t.steps_remaining for t in by_name["WithLp.prod_nnnorm_eq_add"].traced_tactics] == [
        2,
        1,
    ]
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["dataset_name"] == "excerpt" and meta["seed"] == 1
    assert sum(meta["split_sizes"]["random"].values()) == 10


def test_load_errors_are_one_line(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_split(tmp_path / "nope", "random", "train")
    with pytest.raises(DatasetError, match="unknown split"):
        load_split(EXCERPT, "by_file", "train")
    with pytest.raises(DatasetError, match="missing dataset file"):
        load_split(EXCERPT, "random", "train")
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "val.json").write_text("[{")
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_split(tmp_path, "random", "val")
    (tmp_path / "random" / "val.json").write_text('[{"url": "u", "commit": "c"}]')
    with pytest.raises(DatasetError, match="theorem 0: file_path") as info:
        load_split(tmp_path, "random", "val")
    assert "\n" not in str(info.value)
    (tmp_path / "corpus.jsonl").write_text('{"path": "A.lean"}\n{"imports": []}\n')
    with pytest.raises(DatasetError, match="corpus.jsonl:2: path"):
        load_corpus(tmp_path)


# --------------------------------------------------------------------------- corpus / premises


def _premise(name: str, line: int) -> CorpusPremise:
    return CorpusPremise(
        full_name=name, code=f"theorem {name} : True := trivial", start=(line, 1), end=(line, 40)
    )


def _corpus() -> list[CorpusFile]:
    return [
        CorpusFile(
            path="Base.lean", imports=[], premises=[_premise("base_a", 1), _premise("base_b", 3)]
        ),
        CorpusFile(path="Mid.lean", imports=["Base.lean"], premises=[_premise("mid_a", 2)]),
        CorpusFile(path="Side.lean", imports=[], premises=[_premise("side_a", 1)]),
        CorpusFile(
            path="Top.lean",
            imports=["Mid.lean", "Init/Missing.lean"],
            premises=[_premise("top_a", 5), _premise("top_b", 20), _premise("top_c", 40)],
        ),
    ]


def test_accessible_premises_transitive_and_position_aware():
    corpus = _corpus()
    assert accessible_premises(corpus, "Top.lean", before=(20, 1)) == {
        "base_a",
        "base_b",
        "mid_a",
        "top_a",
    }
    assert accessible_premises(corpus, "Top.lean", before=(20, 40)) == {
        "base_a",
        "base_b",
        "mid_a",
        "top_a",
        "top_b",
    }
    assert accessible_premises(corpus, "Top.lean") == {
        "base_a",
        "base_b",
        "mid_a",
        "top_a",
        "top_b",
        "top_c",
    }
    assert "side_a" not in accessible_premises(corpus, "Top.lean")
    index = CorpusIndex(corpus)
    assert index.imported_files("Top.lean") == {"Mid.lean", "Base.lean", "Init/Missing.lean"}
    assert index.accessible_premises("Base.lean", before=(2, 1)) == {"base_a"}
    with pytest.raises(DatasetError, match="not in the corpus"):
        index.accessible_premises("Other.lean")


def test_a_premise_local_to_a_functor_is_accessible_from_its_own_file_only():
    corpus = _corpus()
    corpus[0].premises.append(CorpusPremise(full_name="Base.Props.base_local", code="base_local : True",
                                            start=(5, 1), end=(5, 30), local=True))
    corpus[3].premises.append(CorpusPremise(full_name="Top.Props.top_local", code="top_local : True",
                                            start=(6, 1), end=(6, 30), local=True))
    assert "base_local" not in {n.rsplit(".", 1)[-1] for n in accessible_premises(corpus, "Top.lean")}
    assert "Base.Props.base_local" in accessible_premises(corpus, "Base.lean")
    assert "Top.Props.top_local" in accessible_premises(corpus, "Top.lean", before=(20, 1))


def test_corpus_round_trip(tmp_path):
    write_dataset([], _corpus(), tmp_path, seed=0)
    back = load_corpus(tmp_path)
    assert [f.path for f in back] == [f.path for f in _corpus()]
    assert back[3].premises[1].full_name == "top_b" and back[3].premises[1].start == (20, 1)


# --------------------------------------------------------------------------- steps_remaining


def _tac(tactic: str, before: str, after: str) -> TracedTactic:
    return TracedTactic(
        tactic=tactic, annotated_tactic=(tactic, []), state_before=before, state_after=after
    )


def _thm(tactics: list[TracedTactic], name: str = "t", premises: list[str] = ()) -> TracedTheorem:
    if premises:
        refs = [
            PremiseRef(full_name=p, def_path="X.lean", def_pos=(1, 1), def_end_pos=(1, 2))
            for p in premises
        ]
        first = tactics[0]
        tactics = [
            first.model_copy(update={"annotated_tactic": (first.tactic, refs)}),
            *tactics[1:],
        ]
    return TracedTheorem(
        url="u",
        commit="c",
        file_path="F.lean",
        full_name=name,
        start=(1, 1),
        end=(9, 1),
        traced_tactics=tactics,
    )


H = "p q : Prop\nh : p ∧ q"
LEFT, RIGHT = f"case left\n{H}\n⊢ q", f"case right\n{H}\n⊢ p"


def test_steps_remaining_linear_is_n_minus_i():
    thm = _thm(
        [
            _tac("intro n", "⊢ ∀ n, n + 0 = n", "n : Nat\n⊢ n + 0 = n"),
            _tac("skip", "n : Nat\n⊢ n + 0 = n", "n : Nat\n⊢ n + 0 = n"),
            _tac("simp", "n : Nat\n⊢ n + 0 = n", "no goals"),
        ]
    )
    assert compute_steps_remaining(thm) == [3, 2, 1]


def test_steps_remaining_unfocused_branches():
    thm = _thm(
        [
            _tac("intro h", "p q : Prop\n⊢ p ∧ q → q ∧ p", f"{H}\n⊢ q ∧ p"),
            _tac("constructor", f"{H}\n⊢ q ∧ p", f"{LEFT}\n\n{RIGHT}"),
            _tac("exact h.2", f"{LEFT}\n\n{RIGHT}", RIGHT),
            _tac("exact h.1", RIGHT, "no goals"),
        ]
    )
    assert compute_steps_remaining(thm) == [4, 3, 2, 1]


def test_steps_remaining_focused_bullets_count_only_their_branch():
    # `constructor` then `· exact h.2` and `· exact h.1`, traced with the focused goal only,
    # and a second step inside the first bullet.
    thm = _thm(
        [
            _tac("constructor", f"{H}\n⊢ q ∧ p", f"{LEFT}\n\n{RIGHT}"),
            _tac("have hq := h.2", LEFT, f"case left\n{H}\nhq : q\n⊢ q"),
            _tac("exact hq", f"case left\n{H}\nhq : q\n⊢ q", "no goals"),
            _tac("exact h.1", RIGHT, "no goals"),
        ]
    )
    assert compute_steps_remaining(thm) == [4, 2, 1, 1]


def test_steps_remaining_tactic_closing_several_goals_counts_once():
    thm = _thm(
        [
            _tac("constructor", "⊢ True ∧ True", "case left\n⊢ True\n\ncase right\n⊢ True"),
            _tac("all_goals trivial", "case left\n⊢ True\n\ncase right\n⊢ True", "no goals"),
        ]
    )
    assert compute_steps_remaining(thm) == [2, 1]


def test_split_goals():
    assert split_goals("no goals") == []
    assert split_goals(f"{LEFT}\n\n{RIGHT}") == [LEFT, RIGHT]


# --------------------------------------------------------------------------- splits


def _synthetic(n: int, n_premises: int, seed: int) -> list[TracedTheorem]:
    rng = random.Random(seed)
    names = [f"lemma_{i}" for i in range(n_premises)]
    theorems = []
    for i in range(n):
        used = rng.sample(names, rng.randint(0, min(3, n_premises)))
        steps = [_tac("simp", f"⊢ goal_{i}", "no goals")]
        theorems.append(_thm(steps, name=f"thm_{i}", premises=used))
    return theorems


def _check_novel(parts) -> None:
    train_premises = set().union(*(premises_used(t) for t in parts.train))
    for thm in parts.val + parts.test:
        assert premises_used(thm) - train_premises, thm.full_name


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 60),
    n_premises=st.integers(1, 25),
    seed=st.integers(0, 10_000),
    val_frac=st.floats(0, 0.4),
    test_frac=st.floats(0, 0.4),
)
def test_splits_partition_and_novel_premises_property(n, n_premises, seed, val_frac, test_frac):
    theorems = _synthetic(n, n_premises, seed)
    splits = make_splits(theorems, seed=seed, val_frac=val_frac, test_frac=test_frac)
    for parts in splits.values():
        keys = [theorem_key(t) for p in ("train", "val", "test") for t in parts.part(p)]
        assert sorted(keys) == sorted(theorem_key(t) for t in theorems)
    rnd = splits["random"]
    assert len(rnd.val) == round(n * val_frac) and len(rnd.test) == round(n * test_frac)
    novel = splits["novel_premises"]
    assert len(novel.val) + len(novel.test) <= round(n * val_frac) + round(n * test_frac)
    _check_novel(novel)


def test_novel_premises_fills_the_request_when_premises_are_rare():
    # 200 theorems, each premise used by at most 2 theorems: groups are small, sizes exact.
    theorems = [
        _thm(
            [_tac("simp", f"⊢ g{i}", "no goals")],
            name=f"t{i}",
            premises=[f"own_{i // 2}", "common"],
        )
        for i in range(200)
    ]
    novel = make_splits(theorems, seed=7, val_frac=0.1, test_frac=0.1)["novel_premises"]
    assert (len(novel.val), len(novel.test)) == (20, 20)
    _check_novel(novel)
    # "common" is used by every theorem, so it stays in train and cannot make anything novel.
    assert any("common" in premises_used(t) for t in novel.train)


def test_splits_are_deterministic_per_seed():
    theorems = _synthetic(50, 30, 0)
    a = make_splits(theorems, seed=3, val_frac=0.2, test_frac=0.2)
    b = make_splits(theorems, seed=3, val_frac=0.2, test_frac=0.2)
    c = make_splits(theorems, seed=4, val_frac=0.2, test_frac=0.2)
    names = lambda s: [t.full_name for t in s["random"].test]  # noqa: E731
    assert names(a) == names(b) and names(a) != names(c)
    with pytest.raises(DatasetError, match="cannot hold out"):
        make_splits(theorems, num_val=40, num_test=20)


def test_write_dataset_rejects_duplicates(tmp_path):
    thm = _synthetic(1, 2, 0)[0]
    with pytest.raises(DatasetError, match="appears twice"):
        write_dataset([thm, thm], [], tmp_path)


# --------------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proofplan.cli", "data", "stats", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_stats_command_on_written_dataset(tmp_path):
    theorems = _synthetic(40, 20, 1)
    theorems[0] = _thm(
        [
            _tac("constructor", "⊢ A ∧ B", "case l\n⊢ A\n\ncase r\n⊢ B"),
            _tac("exact a", "case l\n⊢ A", "no goals"),
            _tac("exact b", "case r\n⊢ B", "no goals"),
        ],
        name="thm_0",
        premises=["lemma_0"],
    )
    write_dataset(theorems, _corpus(), tmp_path / "ds", seed=0)
    stats = dataset_stats(tmp_path / "ds")
    assert stats.theorems == 40 and stats.tactics == 42 and stats.premises_in_corpus == 7
    assert stats.proof_lengths == {1: 39, 3: 1}
    out = _cli(str(tmp_path / "ds"))
    assert out.returncode == 0, out.stderr
    assert "novel_premises" in out.stdout and "traced tactics" in out.stdout
    assert "42" in out.stdout  # tactic count
    hist = [line for line in out.stdout.splitlines() if " | " in line]
    assert [line.split("|")[0].strip() for line in hist] == ["0", "1", "2", "3"]
    assert hist[1].rstrip().endswith(" 39") and hist[3].rstrip().endswith(" 1")


def test_stats_command_errors(tmp_path):
    out = _cli(str(tmp_path / "missing"))
    assert (
        out.returncode == 2
        and out.stderr.strip() == f"error: dataset folder {tmp_path / 'missing'} does not exist"
    )
    out = _cli(str(tmp_path))
    assert out.returncode == 2 and "holds no <split>/<part>.json" in out.stderr
    bad = tmp_path / "bad"
    shutil.copytree(EXCERPT, bad)
    (bad / "random" / "val.json").write_text('{"not": "a list"}')
    out = _cli(str(bad))
    assert out.returncode == 2 and "expected a JSON list" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_stats_command_json():
    out = _cli(str(EXCERPT), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    stats = dataset_stats(EXCERPT)
    assert data["theorems"] == stats.theorems == 10 and data["tactics"] == stats.tactics
    assert data["split_sizes"] == {"random": {"val": 10}} and data["premises_in_corpus"] is None
    assert data["proof_lengths"] == {str(n): c for n, c in stats.proof_lengths.items()}
    assert sum(data["proof_lengths"].values()) == 10
    assert data["theorems_with_proof"] == 10 - data["proof_lengths"].get("0", 0)
