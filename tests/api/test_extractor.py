"""The built-in extractor reads goals and typed values from free text."""

from planner.api.extractor import extract


def values(req):
    return {v.type: v.value for v in req.values}


def test_travel_request_with_cues_dates_and_numbers(travel):
    req = extract(travel, "Hi! Please book a flight from Boston to Paris on June 3rd for two travelers, "
                          "in the name of Ana Silva, pay with visa. Also check the weather in Paris.")
    assert req.goals == ["flight_booking", "weather_forecast"]
    assert values(req) == {
        "origin_city": "Boston", "destination_city": "Paris", "departure_date": "2025-06-03",
        "travelers": "2", "traveler_name": "Ana Silva", "payment_method": "visa", "city": "Paris",
    }


def test_same_class_values_are_told_apart_by_cues(travel):
    req = extract(travel, "Reserve a hotel room in Rome checking in on 2025-07-01 until July 5.")
    assert values(req) == {"destination_city": "Rome", "check_in_date": "2025-07-01", "check_out_date": "2025-07-05"}


def test_longest_goal_phrase_wins_and_quoted_text(workplace, travel):
    assert extract(travel, "book a round-trip flight please").goals == ["round_trip_booking"]
    req = extract(workplace, 'Send an email to bob@corp.com with the subject "Hi" saying "See you at 5"')
    assert req.goals == ["sent_email"]
    assert values(req) == {"contact_email": "bob@corp.com", "email_subject": "Hi", "email_body": "See you at 5"}


def test_values_after_cues_and_times(workplace, travel):
    req = extract(workplace, "Find a free slot with Alice Moreau on May 2 for 45 minutes")
    assert values(req) == {"person_name": "Alice Moreau", "meeting_date": "2025-05-02", "duration_minutes": "45"}
    req = extract(travel, "reserve a table at 7:30 pm, dinner on May 2, party of 4, serving thai in Lisbon")
    assert values(req)["reservation_time"] == "19:30" and values(req)["travelers"] == "4"


def test_nothing_to_read(travel):
    req = extract(travel, "hello there")
    assert req.goals == [] and req.values == []


def test_loose_goal_phrases_and_cues_with_fillers(travel):
    req = extract(travel, "I'm flying out of Boston on the 3rd of June. Could you book that flight for me?")
    assert req.goals == ["flight_booking"]
    assert values(req) == {"origin_city": "Boston", "departure_date": "2025-06-03"}
    req = extract(travel, "Rent a car in Denver, I'd pick it up on May 4 and drop it off on May 9.")
    assert values(req) == {"destination_city": "Denver", "pickup_date": "2025-05-04", "dropoff_date": "2025-05-09"}
    # an exact phrase blocks a looser reading of the same words
    assert extract(travel, "book a round-trip flight").goals == ["round_trip_booking"]


STORES = """
name: stores
types:
  - {name: zip_code, value: code, description: a US ZIP code, cues: ["zip", "zip code", "near"]}
  - {name: quantity, value: integer, description: how many, cues: ["quantity"], cues_after: ["units"]}
  - {name: member_id, value: text, pattern: "M-[0-9]{4}", description: a membership number, cues: ["member"]}
  - {name: store_list, askable: false, description: stores near a place, goal_phrases: ["find stores"]}
  - {name: order, askable: false, description: an order, goal_phrases: ["order"]}
apis:
  - {name: find_stores, description: stores near a ZIP code, inputs: {zip: zip_code}, outputs: {stores: store_list}}
  - {name: place_order, description: order units, inputs: {n: quantity, who: member_id}, outputs: {order: order}}
"""


def test_digit_only_codes_fill_code_types_and_patterns_win():
    from planner.api.catalog import parse_catalog_text
    from planner.api.pipeline import plan_request

    cat = parse_catalog_text(STORES)
    req = extract(cat, "Please find stores near zip code 02139.")
    assert values(req) == {"zip_code": "02139"}
    plan, _, _ = plan_request(cat, req, planner="pyperplan")
    assert plan.asked() == [] and plan.steps[0].inputs["zip"].value == "02139"
    # An integer type still gets plain numbers; an explicit pattern reads its own shape.
    req = extract(cat, "order 1200 units for member M-0042")
    assert values(req) == {"quantity": "1200", "member_id": "M-0042"}
