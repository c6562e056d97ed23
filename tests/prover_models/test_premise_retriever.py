"""Premise retriever: accessibility-restricted search, training, save/load, CLI.

The dataset is a small four-file Coq-style corpus written with prover.data.dataset: ``Base.v``;
``Lists.v`` and ``Arith.v`` import ``Base.v``; ``Main.v`` imports ``Lists.v`` only. Each file
defines lemmas about its own functions; theorems rewrite with lemmas they may access.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from prover.data.dataset import write_dataset
from prover.data.records import CorpusFile, CorpusPremise, PremiseRef, TracedTactic, TracedTheorem
from prover.models.premise_retriever import (
    DualAdapter,
    PremiseCorpus,
    PremiseRetriever,
    RetrieverError,
    RetrieverTrainConfig,
    _AdapterBatches,
    _PairSampler,
    contrastive_loss,
    default_index_dir,
    load_encoder,
    premise_index,
    retrieval_examples,
    state_query_text,
    train_retriever,
)

FILES = {
    "Base.v": ([], ["twice", "half", "succ2", "pred2"]),
    "Lists.v": (["Base.v"], ["rev", "app", "len", "map"]),
    "Arith.v": (["Base.v"], ["plus", "mult", "minus", "power"]),
    "Main.v": (["Lists.v"], ["flip", "zip", "fold", "sum"]),
}
LAWS = [
    "{f}_nil : forall x, {f} nil x = x",
    "{f}_cons : forall a l, {f} (a :: l) = a :: {f} l",
    "{f}_idem : forall l, {f} ({f} l) = {f} l",
    "{f}_zero : forall n, {f} 0 n = n",
]


def _premises(path: str, fns: list[str], local: frozenset[str] = frozenset()) -> list[CorpusPremise]:
    out, line = [], 1
    for f in fns:
        for law in LAWS:
            name = law.split(" :", 1)[0].format(f=f)
            out.append(
                CorpusPremise(
                    full_name=f"{path[:-2]}.{name}",
                    code=f"Lemma {law.format(f=f)}.",
                    start=(line, 1),
                    end=(line, 60),
                    kind="Lemma",
                    local=f in local,
                )
            )
            line += 2
    return out


def _dataset(root: Path, local: frozenset[str] = frozenset()) -> Path:
    corpus = [
        CorpusFile(path=p, imports=imps, premises=_premises(p, fns, local))
        for p, (imps, fns) in FILES.items()
    ]
    rng = random.Random(0)
    theorems = []
    for path, (imports, _fns) in FILES.items():
        visible = [p for f in corpus if f.path in {path, *imports, "Base.v"} for p in f.premises]
        for i in range(12):
            prem = rng.choice(visible[: len(visible) - 4] if path != "Base.v" else visible[:8])
            f, law = prem.full_name.split(".")[1].rsplit("_", 1)
            goal = {
                "nil": f"{f} nil y = y",
                "cons": f"{f} (b :: xs) = b :: {f} xs",
                "idem": f"{f} ({f} xs) = {f} xs",
                "zero": f"{f} 0 k = k",
            }[law]
            state = f"y, k : nat\nxs : list nat\n============================\n{goal}"
            ref = PremiseRef(
                full_name=prem.full_name, def_path=path, def_pos=prem.start, def_end_pos=prem.end
            )
            tactics = [
                TracedTactic(
                    tactic=f"rewrite {prem.full_name}.",
                    annotated_tactic=(f"rewrite <a>{prem.full_name}</a>.", [ref]),
                    state_before=state,
                    state_after="no goals",
                )
            ]
            theorems.append(
                TracedTheorem(
                    url="local",
                    commit="0",
                    file_path=path,
                    full_name=f"{path[:-2]}.t{i}",
                    start=(200 + 3 * i, 1),
                    end=(201 + 3 * i, 5),
                    traced_tactics=tactics,
                )
            )
    write_dataset(theorems, corpus, root, seed=1, val_frac=0.15, test_frac=0.25)
    return root


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One thread is several times faster than two on this shared two-core machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", autouse=True)
def generated_data_in_tmp(tmp_path_factory):
    """Indexes built under data_dir()/generated go to a temporary folder, not the repo."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PROOFPLAN_DATA", str(tmp_path_factory.mktemp("data")))
        yield


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return _dataset(tmp_path_factory.mktemp("premises") / "ds")


@pytest.fixture(scope="module")
def corpus(dataset) -> PremiseCorpus:
    return PremiseCorpus.load(dataset)


@pytest.fixture(scope="module")
def untuned():
    return load_encoder("untuned", device="cpu")


def test_state_query_puts_the_goal_first():
    state = "n, m : nat\nH : n = m\n============================\nm + n = n + m\n\nn = m"
    assert state_query_text(state) == "m + n = n + m | n, m : nat; H : n = m"
    assert state_query_text("a : Prop\n⊢ a ∨ a") == "a ∨ a | a : Prop"


def test_accessible_ids_follow_transitive_imports(corpus):
    names = {corpus.records[i].key.split(".")[0] for i in corpus.accessible_ids("Main.v", (1, 1))}
    assert names == {"Base", "Lists"}
    in_file = [
        corpus.records[i].key
        for i in corpus.accessible_ids("Main.v", (5, 1))
        if corpus.file_of[i] == "Main.v"
    ]
    assert in_file == ["Main.flip_nil", "Main.flip_cons"]  # only those ending before line 5
    with pytest.raises(RetrieverError, match="not in the premise corpus"):
        corpus.accessible_ids("Nowhere.v")


def test_restricted_index_never_returns_an_inaccessible_premise(dataset, corpus, untuned, tmp_path):
    index = premise_index(corpus, untuned, tmp_path / "ix")
    retriever = PremiseRetriever(untuned, corpus, index)
    rng = random.Random(3)
    cases = [(p, (rng.randint(1, 40), 1)) for p in FILES for _ in range(4)]
    states = ["============================\nrev (rev xs) = xs"] * len(cases)
    # Ask for more premises than are accessible: every accessible one comes back, no other.
    results = retriever.retrieve(
        states, [c[0] for c in cases], [c[1] for c in cases], k=len(corpus)
    )
    for (path, before), hits in zip(cases, results, strict=True):
        allowed = {corpus.records[i].key for i in corpus.accessible_ids(path, before)}
        assert {h.full_name for h in hits} == allowed
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # The index is reused when it matches the corpus and encoder, rebuilt when it does not.
    mtime = (tmp_path / "ix" / "index.faiss").stat().st_mtime_ns
    premise_index(corpus, untuned, tmp_path / "ix")
    assert (tmp_path / "ix" / "index.faiss").stat().st_mtime_ns == mtime


def test_a_local_premise_is_retrieved_for_its_own_file_only(tmp_path, untuned):
    # Base.v's twice_* lemmas stand for lemmas of a functor: no other file can name them.
    from prover.env import Theorem
    from prover.models.defaults import RetrievedPremises

    corpus = PremiseCorpus.load(_dataset(tmp_path / "ds", local=frozenset({"twice"})))
    local = {r.key for r in corpus.records if ".twice_" in r.key}
    assert len(local) == 4
    assert local <= {corpus.records[i].key for i in corpus.accessible_ids("Base.v")}
    for path in ("Lists.v", "Main.v"):
        assert not local & {corpus.records[i].key for i in corpus.accessible_ids(path)}
    source = RetrievedPremises(tmp_path / "ds", None, k=len(corpus))
    outside = source(Theorem("t", "forall l, twice (twice l) = twice l"), "twice (twice l) = twice l")
    assert len(outside) == len(corpus) - 4 and not local & {p.full_name for p in outside}


def _eval_loss(model, corpus, examples) -> float:
    import torch

    model.eval()
    sampler = _PairSampler(examples, corpus, random.Random(7))
    batches = [sampler.batch(8, 1) for _ in range(3)]
    with torch.no_grad():
        return float(
            np.mean([float(contrastive_loss(model, corpus, *b, scale=20.0)) for b in batches])
        )


def test_layer_training_lowers_the_loss_and_save_load_gives_the_same_vectors(
    dataset, corpus, untuned, tmp_path
):
    from prover.data.dataset import load_split

    examples = retrieval_examples(load_split(dataset, "random", "train"), corpus)
    untuned.base.model.max_seq_length = 64
    before = _eval_loss(untuned.base.model, corpus, examples)
    config = RetrieverTrainConfig(
        method="layers",
        steps=12,
        batch_size=8,
        learning_rate=2e-4,
        train_layers=2,
        max_seq_length=64,
        warmup_fraction=0.1,
        save_every=6,
    )
    report = train_retriever(dataset, tmp_path / "model", config, device="cpu")
    assert report.steps == 12 and report.examples == len(examples)
    tuned = load_encoder(tmp_path / "model", device="cpu")
    assert tuned.adapter is None
    after = _eval_loss(tuned.base.model, corpus, examples)
    assert after < before - 0.1

    saved = tmp_path / "model" / "trained_weights.safetensors"
    assert saved.stat().st_size < 2 * 1.8e6 * 2  # two layers in float16, no embeddings
    again = load_encoder(tmp_path / "model", device="cpu")
    texts = [r.text for r in corpus.records[:5]] + [state_query_text(examples[0].state)]
    np.testing.assert_allclose(
        tuned.encode_premises(texts), again.encode_premises(texts), atol=1e-6
    )
    assert not np.allclose(tuned.encode_premises(texts), untuned.encode_premises(texts), atol=1e-3)
    assert tuned.name == again.name != untuned.name

    # A finished run resumes at its last step and does nothing more.
    report2 = train_retriever(dataset, tmp_path / "model", config, device="cpu")
    assert report2.resumed_from == 12 and report2.steps == 12


def test_adapter_training_lowers_the_loss_and_reuses_the_base_index(
    dataset, corpus, untuned, tmp_path
):
    from prover.data.dataset import load_split

    examples = retrieval_examples(load_split(dataset, "random", "train"), corpus)
    base_index = premise_index(corpus, untuned, default_index_dir(dataset, untuned.name))
    inputs = _AdapterBatches(untuned, corpus, examples, base_index.vectors(), tmp_path / "cache")
    sampler = _PairSampler(examples, corpus, random.Random(5))
    batches = [sampler.batch(16, 2) for _ in range(4)]

    def loss(adapter) -> float:
        with torch.no_grad():
            return float(
                np.mean([float(inputs.loss(adapter.eval(), *b, scale=20.0)) for b in batches])
            )

    config = RetrieverTrainConfig(steps=60, batch_size=32, learning_rate=3e-3, adapter_hidden=64)
    report = train_retriever(dataset, tmp_path / "model", config, device="cpu")
    assert report.steps == 60
    tuned = load_encoder(tmp_path / "model", device="cpu")
    assert tuned.adapter is not None and tuned.base.name == untuned.name != tuned.name
    assert loss(tuned.adapter) < loss(DualAdapter(untuned.dim, 64)) - 0.1

    # The tuned index is the base index's vectors through the premise adapter.
    index = premise_index(corpus, tuned, default_index_dir(dataset, tuned.name))
    np.testing.assert_allclose(
        index.vectors(), tuned.encode_premises([r.text for r in corpus.records]), atol=1e-5
    )
    again = load_encoder(tmp_path / "model", device="cpu")
    states = [ex.state for ex in examples[:4]]
    np.testing.assert_allclose(tuned.encode_states(states), again.encode_states(states), atol=1e-6)
    np.testing.assert_allclose(
        tuned.encode([state_query_text(x) for x in states]), tuned.encode_states(states), atol=1e-6
    )


def test_damaged_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(RetrieverError, match="holds no premise encoder"):
        load_encoder(tmp_path)
    (tmp_path / "retriever.json").write_text(
        '{"method": "adapter", "max_seq_length": 64, "weights_sha256": "00"}'
    )
    with pytest.raises(RetrieverError, match="missing trained_weights.safetensors"):
        load_encoder(tmp_path)
    (tmp_path / "trained_weights.safetensors").write_bytes(b"junk")
    with pytest.raises(RetrieverError, match="does not match the checksum"):
        load_encoder(tmp_path)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proofplan.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"},
    )


def test_cli_eval_retrieval_prints_metrics_and_rejects_bad_input(dataset, tmp_path):
    done = _cli(
        "eval", "retrieval", str(dataset), "--split", "novel_premises", "--model", "untuned"
    )
    assert done.returncode == 0, done.stderr
    assert (
        "BM25" in done.stdout
        and "all-MiniLM-L6-v2 (untuned)" in done.stdout
        and "MRR" in done.stdout
    )
    bad = _cli("eval", "retrieval", str(dataset), "--split", "sideways")
    assert (
        bad.returncode == 2
        and bad.stderr.strip()
        == "error: unknown split 'sideways'; expected random or novel_premises"
    )
    missing = _cli("index", "premises", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_cli_eval_retrieval_json(dataset):
    done = _cli(
        "eval", "retrieval", str(dataset), "--split", "novel_premises", "--model", "untuned",
        "--limit", "5", "--json",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["split"] == "novel_premises" and data["tactics"] == 5
    names = [r["name"] for r in data["results"]]
    assert names == ["BM25", "all-MiniLM-L6-v2 (untuned)"]
    assert all(0 <= r["recall_at_1"] <= r["recall_at_10"] <= 1 for r in data["results"])


def test_cli_index_and_train_retriever_json(dataset, corpus, tmp_path):
    index = _cli(
        "index", "premises", str(dataset), "--model", "untuned", "--out", str(tmp_path / "idx"),
        "--json",
    )
    assert index.returncode == 0, index.stderr
    built = json.loads(index.stdout)
    assert built["premises"] == len(corpus.records) and built["dim"] == 384
    assert (tmp_path / "idx").is_dir()
    trained = _cli(
        "train", "retriever", str(dataset), "--out", str(tmp_path / "model"), "--steps", "3",
        "--batch-size", "4", "--threads", "1", "--json",
    )
    assert trained.returncode == 0, trained.stderr
    report = json.loads(trained.stdout)
    assert report["output"] == str(tmp_path / "model") and report["report"]["steps"] == 3
    assert (tmp_path / "model" / "retriever.json").is_file()
