"""clingo reasoning: missing inputs become get_info, unreachable goals are explained."""

from planner.api.asp import reason
from planner.api.request import ApiRequest, ProvidedValue


def req(goals, **values):
    return ApiRequest(goals=goals, values=[ProvidedValue(type=t, value=v) for t, v in values.items()])


def test_missing_leaf_inputs_are_asked_and_produced_ones_are_not(travel):
    res = reason(travel, req(["flight_booking"], origin_city="Boston", destination_city="Paris"))
    assert res.reachable_goals == ["flight_booking"]
    # airports and offers come from APIs; only what no API produces is asked for
    assert res.missing == ["departure_date", "payment_method", "traveler_name", "travelers"]
    assert set(res.selected_apis) == {"lookup_airports", "search_flights", "book_flight"}
    flows = {(f.consumer, f.type): f.source for f in res.dataflow}
    assert flows[("search_flights", "origin_airport")] == "lookup_airports"
    assert flows[("book_flight", "flight_offer")] == "search_flights"
    assert flows[("lookup_airports", "origin_city")] == "user"


def test_complete_request_asks_nothing(travel):
    res = reason(travel, req(["flight_cancellation"], booking_reference="BK-1"))
    assert res.missing == [] and res.selected_apis == ["cancel_flight"]


def test_subtype_value_fills_supertype_input(travel):
    res = reason(travel, req(["weather_forecast"], destination_city="Rome"))
    assert res.missing == []
    assert res.selected_apis == ["get_weather"]


def test_user_value_shortcuts_a_producer(workplace):
    with_name = reason(workplace, req(["sent_email"], person_name="Alice Moreau", email_subject="s", email_body="b"))
    with_mail = reason(workplace, req(["sent_email"], contact_email="a@x.org", email_subject="s", email_body="b"))
    assert with_name.selected_apis == ["find_contact", "send_email"]
    assert with_mail.selected_apis == ["send_email"]


def test_requires_pulls_in_the_required_api(shopping):
    res = reason(shopping, req(["transfer_receipt"], account_number="ACC-1", recipient_iban="DE89", amount="$5"))
    assert set(res.selected_apis) == {"verify_identity", "transfer_money"}


def test_unreachable_goals_are_explained(travel):
    res = reason(travel, req(["lounge_access", "train_ticket", "weather_forecast"], city="Oslo"))
    assert res.reachable_goals == ["weather_forecast"]
    assert set(res.unreachable) == {"lounge_access", "train_ticket"}
    assert "no API in catalog 'travel' produces train_ticket" == res.unreachable["train_ticket"]
    why = res.unreachable["lounge_access"]
    assert "book_lounge needs lounge_voucher" in why and "cannot be asked" in why
    # the unreachable goal's chain is not planned
    assert res.selected_apis == ["get_weather"]


def test_a_goal_only_the_user_could_give_is_unreachable(travel):
    res = reason(travel, req(["booking_reference", "weather_forecast"], city="Oslo"))
    assert res.reachable_goals == ["weather_forecast"]
    assert res.unreachable == {"booking_reference": "no API in catalog 'travel' produces booking_reference"}
