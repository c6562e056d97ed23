"""The Coq sentence splitter: comments, strings, bullets, braces, ellipses."""

import pytest

from prover.coq.sentences import SentenceError, line_col, normalize, split_sentences


def texts(src: str) -> list[str]:
    return [s.text for s in split_sentences(src)]


def test_plain_sentences_and_qualified_names() -> None:
    src = "Lemma x : 1 = 1.\nProof. rewrite Nat.add_comm. reflexivity.\nQed."
    assert texts(src) == ["Lemma x : 1 = 1.", "Proof.", "rewrite Nat.add_comm.", "reflexivity.", "Qed."]


def test_comments_with_dots_strings_and_nesting_do_not_split() -> None:
    src = 'intros. (* a. b. (* nested. *) "str *) in comment." *) simpl.'
    assert texts(src) == ["intros.", "simpl."]
    src2 = 'idtac "a. b "" c." . auto.'
    assert texts(src2) == ['idtac "a. b "" c." .', "auto."]


def test_bullets_braces_and_selectors_are_own_sentences() -> None:
    src = "split.\n- auto.\n- { simpl. }\n  + reflexivity.\n2: { auto. }\n** exact I.\n--- now auto."
    assert texts(src) == [
        "split.", "-", "auto.", "-", "{", "simpl.", "}", "+", "reflexivity.",
        "2: {", "auto.", "}", "**", "exact I.", "---", "now auto.",
    ]


def test_braces_inside_terms_stay() -> None:
    src = "exists {| x := 1 |}. destruct s as [x|]. refine {x : nat | x = 1}."
    assert texts(src) == ["exists {| x := 1 |}.", "destruct s as [x|].", "refine {x : nat | x = 1}."]


def test_ellipsis_terminator_and_positions() -> None:
    src = "Proof with auto.\n  split...\nQed."
    sents = split_sentences(src)
    assert [s.text for s in sents] == ["Proof with auto.", "split...", "Qed."]
    assert line_col(src, sents[1].start) == (2, 3)


@pytest.mark.parametrize("src", ['idtac "abc.', "(* never closed. auto.", "intros"])
def test_unterminated_input_is_an_error(src: str) -> None:
    with pytest.raises(SentenceError):
        split_sentences(src)


def test_incomplete_allowed_and_normalize() -> None:
    assert [s.text for s in split_sentences("auto. intros", allow_incomplete=True)] == ["auto.", "intros"]
    assert normalize('intros\n   x (* c *)  "a  b".') == 'intros x "a  b".'


def test_recursive_notation_dots_do_not_end_a_sentence() -> None:
    src = 'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..) : list_scope.\nauto.'
    assert texts(src) == ['Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..) : list_scope.', "auto."]
