"""Coq projects: a user's folder (_CoqProject), an installed library, a lone file; and the holes of
a file found, prefixed and filled from its sentences alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prover.coq.holes import fill, find_holes, prefix_before
from prover.coq.project import CoqProject, ProjectError, installed_libraries

DEV = Path(__file__).resolve().parents[1] / "fixtures" / "dev"
TREE_HOLES = ["size_mirror", "mirror_mirror", "height_mirror", "elements_length", "total_elements",
              "is_leaf_size", "size_node_pos", "mirror_is_leaf", "height_le_size", "tmap_size",
              "tmap_mirror", "elements_mirror"]


@pytest.fixture
def dev(tmp_path: Path) -> Path:
    shutil.copytree(DEV, tmp_path / "dev")
    return tmp_path / "dev"


def test_coqproject_folder_reads_mappings_and_files(dev: Path) -> None:
    p = CoqProject.folder(dev)
    assert p.kind == "folder" and p.name == "dev"
    assert p.files() == ["Base.v", "Trees.v"]
    assert p.logical_name("Trees.v") == "Dev.Trees"
    assert p.coq_args == ["-R", str(dev), "Dev"]
    assert p.dataset_path("Trees.v") == "dev/Trees.v" and p.rel_of("dev/Trees.v") == "Trees.v"
    assert p.rel_of("theories/Init/Nat.v") is None
    assert CoqProject.from_json(p.to_json()) == p
    assert CoqProject.for_file(dev / "Trees.v") == p


def test_coqproject_errors_are_one_line(dev: Path, tmp_path: Path) -> None:
    (dev / "_CoqProject").write_text("-R . Dev\nMissing.v\n")
    with pytest.raises(ProjectError, match="lists Missing.v, which does not exist"):
        CoqProject.folder(dev)
    (dev / "_CoqProject").write_text("-Q nowhere Dev\n")
    with pytest.raises(ProjectError, match="folder nowhere does not exist"):
        CoqProject.folder(dev)
    with pytest.raises(ProjectError, match="does not exist"):
        CoqProject.folder(tmp_path / "absent")
    with pytest.raises(ProjectError, match="not a library name"):
        CoqProject.library("../etc")
    with pytest.raises(ProjectError, match="is not installed"):
        CoqProject.library("NoSuchLibraryHere")


def test_dune_theory_and_lone_file(tmp_path: Path) -> None:
    (tmp_path / "proj" / "theories").mkdir(parents=True)
    (tmp_path / "proj" / "dune-project").write_text("(lang dune 3.8)\n(using coq 0.8)\n")
    (tmp_path / "proj" / "theories" / "dune").write_text("(coq.theory\n (name MyLib))\n")
    (tmp_path / "proj" / "theories" / "A.v").write_text("Lemma a : True. Proof. exact I. Qed.\n")
    p = CoqProject.for_file(tmp_path / "proj" / "theories" / "A.v")
    assert p.logical_name("theories/A.v") == "MyLib.A"
    assert p.files() == ["theories/A.v"]
    (tmp_path / "lone").mkdir()
    (tmp_path / "lone" / "B.v").write_text("Lemma b : True. Admitted.\n")
    lone = CoqProject.for_file(tmp_path / "lone" / "B.v")
    assert lone.logical_name("B.v") == "Top.B" and lone.coq_args == ["-R", str(tmp_path / "lone"), "Top"]


@pytest.mark.skipif("Flocq" not in installed_libraries(), reason="libcoq-flocq is not installed")
def test_installed_library() -> None:
    p = CoqProject.library("Flocq")
    assert p.kind == "library" and p.coq_args == ["-R", str(p.root), "Flocq"]
    assert "Core/Raux.v" in p.files()
    assert p.logical_name("Core/Raux.v") == "Flocq.Core.Raux"
    assert CoqProject.for_file(p.root / "Core" / "Raux.v") == p


def test_find_holes_of_the_fixture() -> None:
    src = (DEV / "Trees.v").read_text()
    holes = find_holes(src)
    assert [h.name for h in holes] == TREE_HOLES
    by_name = {h.name: h for h in holes}
    assert by_name["height_mirror"].reason == "admit"
    assert by_name["size_mirror"].reason == "Admitted"
    assert by_name["tmap_size"].statement == "Lemma tmap_size : forall t : tree, size (tmap t) = size t."
    assert by_name["size_mirror"].start == (src[: src.index("Lemma size_mirror")].count("\n") + 1, 1)
    assert not find_holes((DEV / "Base.v").read_text())  # every proof there ends with Qed


def test_prefix_closes_earlier_holes_and_keeps_sections_open() -> None:
    src = (DEV / "Trees.v").read_text()
    holes = find_holes(src)
    by_name = {h.name: h for h in holes}
    prefix = prefix_before(src, by_name["tmap_mirror"], holes)
    assert "admit." not in prefix and prefix.count("Admitted.") == 10
    assert "Section Map." in prefix and "End Map." not in prefix
    assert prefix[-1] == "Admitted."  # tmap_size's hole
    assert "Lemma tmap_mirror" not in " ".join(prefix)
    assert any(s.startswith("Lemma total_mirror") for s in prefix)  # a finished proof stays


def test_fill_puts_proofs_in_place() -> None:
    src = (DEV / "Trees.v").read_text()
    holes = find_holes(src)
    by_name = {h.name: h for h in holes}
    out = fill(src, {by_name["height_mirror"].index: ["induction t; simpl; lia."]}, holes)
    assert "Lemma height_mirror : forall t : tree, height (mirror t) = height t.\nProof.\n  induction t; simpl; lia.\nQed." in out
    assert "admit." not in out
    assert [h.name for h in find_holes(out)] == [n for n in TREE_HOLES if n != "height_mirror"]
