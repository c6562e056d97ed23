"""The built-in translator: benchmark phrasing, natural variations, and one-line errors."""

import pytest

from planner.travel.parser import RuleBasedParser
from planner.travel.spec import SpecError
from planner.travel.translate import FIELDS, field_accuracy


@pytest.fixture(scope="module")
def parser():
    return RuleBasedParser()


def test_train_queries_per_field_accuracy(parser, queries):
    pairs = []
    for q in queries.values():
        try:
            pairs.append((parser.translate(q.query).as_benchmark(), q.gold))
        except SpecError:
            pairs.append((None, q.gold))
    acc = field_accuracy(pairs)
    assert set(acc) == set(FIELDS)
    assert min(acc.values()) >= 0.98, acc


@pytest.mark.parametrize("text, expected", [
    ("Plan a three-day trip for two people from Ithaca to Rockford, March 16th to March 18th, 2022, "
     "budget 1.7k, no flights please.",
     dict(origin="Ithaca", destination="Rockford", days=3, people=2, budget=1700, transportation="no flight")),
    ("I want to travel from Seattle to 2 cities in Texas from 2022-03-10 to 2022-03-14 with $3,100. "
     "We are a party of five and need pet-friendly entire homes.",
     dict(origin="Seattle", destination="Texas", days=5, visiting_city_number=2, people=5, budget=3100,
          house_rule="pets", room_type="entire room")),
    ("A week-long trip from Denver to Chicago starting March 5th, 2022, budget of 2,500 dollars; "
     "we love Italian and Mexican food and prefer private rooms.",
     dict(days=7, budget=2500, cuisine=["Italian", "Mexican"], room_type="private room",
          dates_first="2022-03-05", dates_last="2022-03-11")),
    ("Could you plan a trip from Ithaca to Rockford between the 16th and the 18th of March 2022 for a couple "
     "with $1,200? We will not be flying and we don't want shared rooms.",
     dict(days=3, people=2, budget=1200, transportation="no flight", room_type="not shared room")),
    ("Trip from Atlanta to Seattle, March 16-18 2022, budget $900, we don't plan to drive ourselves.",
     dict(days=3, transportation="no self-driving", budget=900)),
    ("Plan a 5 day vacation for a group of eleven from Boston to 2 cities in Washington state from May 1st, 2022; "
     "our budget is $20k and smoking must be allowed.",
     dict(destination="Washington", visiting_city_number=2, people=11, budget=20000, house_rule="smoking",
          dates_first="2022-05-01")),
])
def test_variations(parser, text, expected):
    spec = parser.translate(text)
    got = spec.model_dump()
    for key, value in expected.items():
        if key in ("house_rule", "cuisine", "room_type", "transportation"):
            assert got["local"][key] == value, key
        elif key == "dates_first":
            assert spec.dates[0] == value
        elif key == "dates_last":
            assert spec.dates[-1] == value
        else:
            assert got[key] == value, key


def test_washington_city_versus_state(parser):
    city = parser.translate("A 3-day trip from Bangor to Washington, March 21st to March 23rd, 2022, budget $3,100.")
    assert city.destination == "Washington" and city.visiting_city_number == 1
    state = parser.translate("A 5-day trip from Sacramento covering 2 cities in Washington state from March 22nd "
                             "to March 26th, 2022, budget $3,600.")
    assert state.destination == "Washington" and state.visiting_city_number == 2


@pytest.mark.parametrize("text, message", [
    ("", "empty request"),
    ("What is the capital of France?", "does not look like a travel request"),
    ("Plan a trip from Gotham to Rockford March 16-18 2022 budget $900", "closest known cities"),
    ("Plan a trip from Ithaca to Rokford from March 16th to March 18th, 2022, budget $900", "Rockford"),
    ("Plan a trip from Ithaca to Rockford from February 30th to March 2nd, 2022, budget $900", "impossible date"),
    ("Plan a trip from Ithaca to Rockford from March 16th to March 18th, 2022 with a budget of -$500", "budget must be positive"),
    ("Plan a trip from Ithaca to Rockford from March 16th to March 18th, 2022 for zero people, budget $500", "people"),
    ("Plan a trip from Ithaca to Rockford from March 16th to March 18th, 2022", "missing field: budget"),
    ("Plan a trip from Ithaca to Rockford with a budget of $900", "missing fields: days, dates"),
    ("Plan a 3-day trip to Rockford from March 16th to March 18th, 2022 with a budget of $900", "missing field"),
    ("Plan a 5-day trip from Ithaca to Rockford from March 16th to March 18th, 2022, budget $900", "3 days"),
])
def test_errors_are_one_line(parser, text, message):
    with pytest.raises(SpecError) as err:
        parser.translate(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("text, expected", [
    ("Just me, Kansas City to Pensacola, 3/27/2022 to 3/29/2022, 900 bucks.",
     dict(origin="Kansas City", destination="Pensacola", people=1, budget=900, dates_first="2022-03-27")),
    ("Departing from Charlotte in North Carolina, visiting 3 cities in Pennsylvania, 16-22 March 2022, "
     "my partner and I, $1.4k", dict(origin="Charlotte", destination="Pennsylvania", visiting_city_number=3,
                                    people=2, budget=1400, days=7)),
    ("Family of four from Denver to Phoenix, the 8th through the 10th of April 2022, seventeen hundred "
     "dollars (we have kids under 10), we won't drive ourselves",
     dict(people=4, budget=1700, days=3, dates_first="2022-04-08", house_rule="children under 10",
          transportation="no self-driving")),
    ("Six friends: Miami to Atlanta, 20/03/2022 - 22/03/2022, budget of 2,500 USD, no planes, "
     "no smoking rooms please", dict(people=6, budget=2500, dates_first="2022-03-20", transportation="no flight",
                                     house_rule=None)),
    ("Pensacola from Kansas City for a couple, March 27th, returning the 29th, 2022. We're smokers. "
     "USD 1,050.", dict(origin="Kansas City", destination="Pensacola", people=2, budget=1050, days=3,
                        house_rule="smoking")),
])
def test_everyday_phrasing(parser, text, expected):
    test_variations(parser, text, expected)


def test_hand_written_requests(parser):
    from common.paths import data_dir
    from planner.travel.request_eval import evaluate_requests, load_requests

    summary = evaluate_requests(parser, load_requests(data_dir() / "travel_requests" / "handwritten.jsonl"))
    assert summary.n >= 200
    assert summary.exact >= 0.97, summary.wrong
