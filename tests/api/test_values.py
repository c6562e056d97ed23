"""Value parsers: dates to ISO, numbers, codes, names and stated values."""

from planner.api.values import (
    find_assignments,
    find_codes,
    find_dates,
    find_names,
    find_numbers,
    scan,
)


def test_dates_take_the_year_of_a_neighbour_or_the_default():
    text = "leave on July 19,2024 and return July 21, then again on August 1st"
    assert [s.value for s in find_dates(text, 2030)] == ["2024-07-19", "2024-07-21", "2024-08-01"]
    assert [s.value for s in find_dates("from 3 March until 2025-03-09", 2026)] == ["2025-03-03", "2025-03-09"]
    assert find_dates("on February 30", 2025) == []


def test_names_skip_request_words_months_and_possessives():
    names = [s.value for s in find_names("Find Bad Bunny's biography and list flights from New York to London in May.", [])]
    assert names == ["Bad Bunny", "New York", "London"]
    assert [s.value for s in find_names("What is the weather in Rio de Janeiro?", [])] == ["Rio de Janeiro"]


def test_codes_keep_leading_zeros_and_form_numbers():
    codes = [s.value for s in find_codes("ship to ZIP 02139, ticker MSFT, form 10-K", [])]
    assert codes == ["ZIP", "02139", "MSFT", "10-K"]
    assert [s.value for s in find_numbers("for the next 3 days and two rooms", [])] == [3, 2]


def test_stated_values_carry_their_key():
    (span,) = find_assignments("The instagram id of Kyle Jenner is kyliejenner.")
    assert span.value == "kyliejenner" and span.kind == "assigned:instagram id kyle jenner"
    assert any(s.kind == "quoted" and s.value == "Hi there" for s in scan('say "Hi there"', 2025))


def test_a_verb_after_is_states_no_value():
    from planner.api.values import find_assignments

    assert find_assignments("the accounts she is following") == []
    assert [s.value for s in find_assignments("her handle is janedoe")] == ["janedoe"]
