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


FUNCTORS = """Module Type OrderSig.
Parameter t : Type.
Parameter le_refl : forall x : t, x = x.
End OrderSig.
Module OrderProps (Import O : OrderSig).
Lemma le_refl' : forall x : t, x = x.
Proof. exact le_refl. Qed.
End OrderProps.
Module Import Concrete.
Lemma two : 1 + 1 = 2.
Proof. reflexivity. Qed.
End Concrete.
Lemma after : True.
Proof. exact I. Qed.
"""


def test_declarations_in_a_module_type_or_functor_are_local_and_in_a_module_are_not():
    local = {d.full_name: d.local for d in outline(FUNCTORS, "Top.F").declarations}
    assert local == {"Top.F.OrderSig.t": True, "Top.F.OrderSig.le_refl": True,
                     "Top.F.OrderProps.le_refl'": True, "Top.F.Concrete.two": False, "Top.F.after": False}
