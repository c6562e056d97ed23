"""The declarations a Coq file's outline lists: what the corpus and the leak check read as names."""

from prover.coq.outline import outline

SRC = """Require Import Bool.
Inductive color := Red | Green.
Structure keyed (p : bool) := PackKeyed { unkey : bool; _ : unkey = p }.
Lemma red_or_green : forall c : color, c = Red \\/ c = Green.
Proof. destruct c; auto. Qed.
"""


def test_constructors_and_fields_are_declared_and_an_anonymous_field_is_not():
    names = {d.full_name: d.kind for d in outline(SRC, "Top.M").declarations}
    assert {"Top.M.color", "Top.M.Red", "Top.M.Green", "Top.M.keyed", "Top.M.PackKeyed", "Top.M.unkey",
            "Top.M.red_or_green"} <= set(names)
    assert names["Top.M.red_or_green"] == "Lemma"
    assert not any(n.rsplit(".", 1)[-1] == "_" for n in names)
