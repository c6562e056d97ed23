"""The on-disk cache (common.cache): a value is computed once per key and read back afterwards;
a damaged file is recomputed; the folder follows $PROOFPLAN_CACHE."""

from common.cache import cache_dir, cached_json, key_of


def test_a_value_is_computed_once_and_read_back(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"libraries": ["Coq.Init.Logic"]}

    path = tmp_path / "hammer" / f"libraries-{key_of('coq', 1)}.json"
    assert cached_json(path, compute) == {"libraries": ["Coq.Init.Logic"]}
    assert cached_json(path, compute) == {"libraries": ["Coq.Init.Logic"]}
    assert calls == [1] and path.is_file()
    assert not list(path.parent.glob(".*.tmp"))


def test_a_damaged_file_is_recomputed_and_a_value_not_worth_keeping_is_not_stored(tmp_path):
    path = tmp_path / "v.json"
    path.write_text("{half a fi")
    assert cached_json(path, lambda: [1, 2]) == [1, 2]
    assert cached_json(path, lambda: [3]) == [1, 2]
    empty = tmp_path / "empty.json"
    assert cached_json(empty, lambda: [], keep=bool) == [] and not empty.exists()


def test_keys_differ_with_what_the_value_depends_on():
    assert key_of("coqtop", 1) != key_of("coqtop", 2)
    assert key_of("coqtop", 1) == key_of("coqtop", 1)


def test_the_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PROOFPLAN_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    from prover.models.premise_retriever import default_index_dir

    assert default_index_dir(tmp_path / "sample", "enc").parent == tmp_path / "premise_index"
