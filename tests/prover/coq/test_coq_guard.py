"""The tactic guard refuses every vernacular command, comment trick and second sentence."""

import pytest

from prover.coq.guard import check_coq_tactic
from prover.env import TacticRejected

REJECTED = [
    'Load "/etc/passwd".',
    'Load Foo.',
    'Redirect "/tmp/out" Print nat.',
    "Drop.",
    "Require Import Arith.",
    "From Coq Require Import Lia.",
    'Extraction "/tmp/x.ml" nat.',
    "Recursive Extraction nat.",
    'Declare ML Module "unix".',
    'Cd "/tmp".',
    "Set Printing All.",
    "Unset Printing Notations.",
    "Add LoadPath \"/tmp\" as X.",
    "Qed.",
    "Admitted.",
    "Abort.",
    "Defined.",
    "BackTo 1.",
    "Reset Initial.",
    "Quit.",
    "Time auto.",
    "Fail auto.",
    "Timeout 1 auto.",
    "Local Set Printing All.",
    "#[local] Set Printing All.",
    "Print nat.",
    "Ltac f := idtac.",
    "Definition x := 1.",
    "Axiom cheat : False.",
    "admit.",
    "intros; admit.",
    "give_up.",
    "auto. Qed.",
    "intros. Load x.",
    "simpl (* Load x. *).",
    "(* comment *) auto.",
    "auto *)",
    'idtac "unterminated.',
    "",
    "   ",
    "intros.\x00",
    "auto. - simpl.",
    "Corollary cheat : False.",
    "Coq.Numbers.BinNums.Z.",
    "1-: auto.",
]

ACCEPTED = {
    "intros.": ["intros."],
    "Z.swap_greater.": ["Z.swap_greater."],
    "Z.le_elim H.": ["Z.le_elim H."],
    "1-3: auto.": ["1-3: auto."],
    "1,2: now rewrite H.": ["1,2: now rewrite H."],
    "intros": ["intros."],
    "- simpl.": ["-", "simpl."],
    "{ auto. }": ["{", "auto.", "}"],
    "} - auto.": ["}", "-", "auto."],
    "2: { auto.": ["2: {", "auto."],
    "induction n as [|n IHn]; simpl; auto.": ["induction n as [|n IHn]; simpl; auto."],
    "apply (f Set).": ["apply (f Set)."],
    'idtac "Load (* x".': ['idtac "Load (* x".'],
    "all: lia.": ["all: lia."],
    "rewrite\n  Nat.add_comm.": ["rewrite Nat.add_comm."],
    "(intros; auto).": ["(intros; auto)."],
}


@pytest.mark.parametrize("tactic", REJECTED)
def test_rejected(tactic: str) -> None:
    with pytest.raises(TacticRejected):
        check_coq_tactic(tactic)


@pytest.mark.parametrize("tactic", sorted(ACCEPTED))
def test_accepted(tactic: str) -> None:
    assert check_coq_tactic(tactic) == ACCEPTED[tactic]
