"""bench_prover: each ablation writes its own results file, so a rerun never resumes another's."""

import importlib.util
from pathlib import Path

from common.paths import REPO_ROOT
from prover.search.defaults import SAUTO_TIMEOUT

spec = importlib.util.spec_from_file_location("bench_prover", REPO_ROOT / "benchmarks" / "bench_prover.py")
bench_prover = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_prover)


def names(*argv: str) -> str:
    args = bench_prover.parse_args(["--out-dir", "/tmp/x", *argv])
    return bench_prover.results_file(args, "logprob+retrieval+progress+sauto+hammer").name


def test_ablations_get_their_own_files():
    default = names()  # stated after the file prefix
    assert default == "logprob_retrieval_progress_sauto_hammer_prefix.jsonl" == names("--file-prefix")
    assert names("--sauto-timeout", str(SAUTO_TIMEOUT)) == default
    other = SAUTO_TIMEOUT + 2
    assert names("--sauto-timeout", str(other)) == f"logprob_retrieval_progress_sauto_hammer_sauto{other}_prefix.jsonl"
    assert names("--hammer-limit", "6", "--no-online-learning", "--imports") == (
        "logprob_retrieval_progress_sauto_hammer_offline_hammer6.jsonl")
    assert names("--no-premise-automation") == "logprob_retrieval_progress_sauto_hammer_nopa_prefix.jsonl"
    other_generator = next(g for g in ("knn", "mixture") if g != bench_prover.ProverSettings.generator)
    assert names("--generator", other_generator) == (
        f"logprob_retrieval_progress_sauto_hammer_{other_generator}_prefix.jsonl")
    args = bench_prover.parse_args(["--sauto-timeout", str(SAUTO_TIMEOUT + 2), "--imports"])
    assert Path(bench_prover.results_file(args, "logprob+retrieval").name).stem == "logprob_retrieval"


def test_profile_sorts_tactics_by_kind():
    spec = importlib.util.spec_from_file_location("profile_prover", REPO_ROOT / "benchmarks" / "profile_prover.py")
    profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile)
    kinds = [profile.tactic_kind(t) for t in ("timeout 3 sauto.", "hammer.", "timeout 1 lia.", "lia.",
                                             "apply lia_lemma.", "sauto use: x.", "intros.",
                                             "timeout 1 hauto use: a, b.", "hauto.")]
    assert kinds == ["sauto", "hammer", "lia", "lia", "generated", "sauto", "generated", "hauto use", "generated"]
