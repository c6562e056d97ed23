"""No silent drops: a request is read exactly, or what was not read is a doubt, never planned on."""

import json

import pytest

from common.paths import data_dir
from planner.travel.parser import RuleBasedParser
from planner.travel.request_eval import evaluate_requests, load_requests
from planner.travel.spec import SpecError

BASE = "From Chicago to Denver, March 3-5 2022, 2 people, $1,500. "


@pytest.fixture(scope="module")
def parser():
    return RuleBasedParser()


def _local(spec):
    return {k: v for k, v in spec.local.as_benchmark().items() if v}


@pytest.mark.parametrize("extra, local", [
    # negations in every tense, and the mode they govern
    ("We won't be flying.", {"transportation": "no flight"}),
    ("We hadn't planned on flying.", {"transportation": "no flight"}),
    ("No plane for us, we'll drive.", {"transportation": "no flight"}),
    ("We will drive, not fly.", {"transportation": "no flight"}),
    ("We're flying, not driving.", {"transportation": "no self-driving"}),
    ("We don't mind flying but we won't drive.", {"transportation": "no self-driving"}),
    ("Flying is out of the question.", {"transportation": "no flight"}),
    ("Self-driving wasn't an option last time and it isn't now either.", {"transportation": "no self-driving"}),
    ("Driving. That's one thing I won't do.", {"transportation": "no self-driving"}),
    ("Airplanes: no way.", {"transportation": "no flight"}),
    # a ban phrased about the travellers
    ("None of us are drivers.", {"transportation": "no self-driving"}),
    ("We're not the flying type.", {"transportation": "no flight"}),
    ("Flying doesn't bother us.", {}),
    # a permission stated negatively, and a rule in a sentence that also states the room type
    ("We can't stay anywhere that bans smoking.", {"house rule": "smoking"}),
    ("The place must not have a no-pets rule.", {"house rule": "pets"}),
    ("We want accommodations that allow visitors and are entire homes.",
     {"house rule": "visitors", "room type": "entire room"}),
    ("Entire rooms with no restrictions on visitors.", {"house rule": "visitors", "room type": "entire room"}),
    ("We don't smoke, we don't have pets, and we won't have visitors.", {}),
    ("Please make sure visitors are not disallowed.", {"house rule": "visitors"}),
    ("Places with a no-smoking policy won't work for us.", {"house rule": "smoking"}),
    ("Our accommodation must not be smoke-free.", {"house rule": "smoking"}),
    ("We have no pets and don't smoke.", {}),
    ("My wife and I plus our two kids (4 and 9) are coming.", {"house rule": "children under 10"}),
    # room types excluded by listing the others
    ("Private room or entire home, we don't mind which.", {"room type": "not shared room"}),
    ("A shared room is not what we want.", {"room type": "not shared room"}),
    ("We weren't planning to eat Chinese food, but Italian is a must.", {"cuisine": ["Italian"]}),
])
def test_constraints_read_exactly(parser, extra, local):
    spec, doubts = parser.translate_checked(BASE + extra)
    assert _local(spec) == local and not doubts, [d.line() for d in doubts]


@pytest.mark.parametrize("extra, field", [
    ("Thai food please.", "cuisine"),
    ("No taxis.", "transportation"),
    ("no flying, no driving", "transportation"),
    ("Both of us smoke, and we bring our dog.", "house rule"),
    ("We intend to keep our budget at around 1,200.", "budget"),
    ("We can't avoid flying.", "transportation"),  # a double negative the two readings take apart
    ("We'd like to avoid long drives.", "transportation"),  # a kind of leg, not the mode
])
def test_what_the_spec_cannot_take_is_a_doubt(parser, extra, field):
    _, doubts = parser.translate_checked(BASE + extra)
    assert field in [d.field for d in doubts]


@pytest.mark.parametrize("text, want", [
    # a bare amount after a date is the budget, and the year stays
    ("Indianapolis to Chicago, March 16 to 18, 2100 total, 2 people.", (2100, "2022-03-16")),
    ("From Raleigh to Washington, March 16 to 18, with 2000 dollars, in twenty twenty-two.", (2000, "2022-03-16")),
    ("Commencing in Seattle, we'll visit 2 cities in California over 5 days from March 14, 2022; 2 people, $3,400.",
     (3400, "2022-03-14")),
])
def test_numbers_by_role(parser, text, want):
    spec = parser.translate(text)
    assert (spec.budget, spec.dates[0]) == want


@pytest.mark.parametrize("who, people", [
    ("A family of 4 plus grandma.", 5),
    ("Three of my coworkers and me.", 4),
    ("I'm bringing my mom and dad.", 3),
    ("Me plus three.", 4),
    ("Two adults, one infant.", 3),
])
def test_travellers_counted(parser, who, people):
    spec, doubts = parser.translate_checked("Trip from Chicago to Denver, March 3-5 2022, $2,500. " + who)
    assert spec.people == people and not doubts, [d.line() for d in doubts]


def test_an_uncounted_group_is_a_doubt(parser):
    _, doubts = parser.translate_checked("Trip from Chicago to Denver, March 3-5 2022, $2,500. My wife and kids.")
    assert "people" in [d.field for d in doubts]


def _sets():
    return [data_dir() / "travel_requests" / name for name in ("registers.jsonl", "handwritten.jsonl")]


@pytest.mark.parametrize("path", _sets(), ids=lambda p: p.name)
def test_no_request_is_silently_wrong(parser, path):
    summary = evaluate_requests(parser, load_requests(path))
    assert summary.silently_wrong == 0
    assert summary.exact >= 0.97, summary.wrong


def test_benchmark_phrasing_raises_no_doubt(parser, queries):
    flagged = {q.idx: [d.line() for d in parser.translate_checked(q.query)[1]] for q in queries.values()}
    assert {k: v for k, v in flagged.items() if v} == {}


def test_misspelt_words_are_read_as_meant(parser):
    spec = parser.translate("Sacramento to San Diego, Marhc 12-14 2022, one persn, $950, no self drivng, privte rooms")
    assert (spec.dates[0], spec.people, spec.local.transportation, spec.local.room_type) == \
        ("2022-03-12", 1, "no self-driving", "private room")
    # a real word is not a typo: 'no fights' bans nothing
    assert parser.translate(BASE + "No fights please.").local.transportation is None


def test_plan_travel_asks_or_refuses(run_cli, tmp_path):
    text = BASE + "No plane or car for us."
    out = run_cli("plan", "travel", text)
    assert out.returncode == 2 and "request not planned: conflict:" in out.stderr
    assert "--answer" in out.stderr and out.stderr.count("\n") == 1
    out = run_cli("plan", "travel", "--json", text, "--answer", "transportation=no flight")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["spec"]["local"]["transportation"] == "no flight"
    assert all("Flight" not in d["transportation"] for d in data["plan"])
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"transportation": "by boat"}))
    out = run_cli("plan", "travel", text, "--answers", str(answers))
    assert out.returncode == 2 and "choose one of" in out.stderr


def test_refused_requests_are_errors_not_guesses(parser):
    with pytest.raises(SpecError, match="closest known cities: Chicago"):
        parser.translate("Minneapolis to Chicgao, Mar 21-23 2022, 2 people, $1,200")
