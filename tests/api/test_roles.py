"""Roles, not just types: a value the user gave for one role never silently fills another input
of the same type (the clinic: an appointment date is not the patient's birth date)."""

from pathlib import Path

import pytest

from planner.api.catalog import load_catalog
from planner.api.extractor import extract
from planner.api.importers import import_spec
from planner.api.pipeline import plan_request
from planner.api.roles import context_words, fits, input_role, role_words

SPECS = Path(__file__).parent / "specs"
CLINIC_OPENAPI = Path(__file__).parents[2] / "data" / "api" / "clinic_openapi.yaml"


def test_role_words_and_context():
    assert role_words("birthDate", "The patient's date of birth.") == {"birth", "patient"}
    assert role_words("date", "Day of the appointment.") == {"appoint"}
    assert role_words("date", "") == frozenset()
    text = "Register Ann Lee, born 1990-02-01, and book an appointment on 2025-03-04."
    born = context_words(text, text.index("1990"), text.index("1990") + 10)
    assert "birth" in born and fits(role_words("birthDate", "date of birth"), born)
    assert not fits(role_words("birthDate", "date of birth"), context_words(text, text.index("2025"), len(text) - 1))
    assert input_role("date_of_birth", "date") == {"birth"} and input_role("city", "city") == frozenset()


@pytest.fixture(scope="module")
def clinic():
    return load_catalog(SPECS / "clinic.yaml")


def test_catalog_planner_asks_for_the_birth_date_instead_of_reusing_the_appointment_date(clinic):
    request = extract(clinic, "Book an appointment with a cardiology doctor on March 4 for patient Ann Lee.")
    assert {v.type: v.value for v in request.values} == {
        "patient_name": "Ann Lee", "appointment_date": "2025-03-04", "specialty": "cardiology"}
    plan, _, _ = plan_request(clinic, request, planner="pyperplan")
    register = next(s for s in plan.steps if s.api == "register_patient")
    birth = register.inputs["date_of_birth"]
    assert birth.source == "ask" and birth.value is None  # asked, not the appointment date
    assert plan.asked() == ["register_patient_date_of_birth"]
    assert plan.notes == ["register_patient.date_of_birth is not filled with the appointment_date given"]
    book = next(s for s in plan.steps if s.api == "book_appointment")
    assert book.inputs["day"].value == "2025-03-04"


def test_catalog_planner_binds_each_date_to_its_own_role(clinic):
    request = extract(clinic, "Book an appointment with a cardiology doctor on March 4 for patient Ann Lee, "
                              "born on May 2, 1990.")
    plan, _, _ = plan_request(clinic, request, planner="pyperplan")
    bound = {(s.api, p): b.value for s in plan.steps if s.kind == "call" for p, b in s.inputs.items() if b.source == "user"}
    assert bound[("register_patient", "date_of_birth")] == "1990-05-02"
    assert bound[("book_appointment", "day")] == "2025-03-04"
    assert plan.asked() == [] and plan.notes == []


@pytest.fixture(scope="module")
def clinic_translator():
    from planner.api.spec_translator import SpecTranslator
    from retrieval.encoder import SentenceTransformerEncoder

    return SpecTranslator(import_spec(CLINIC_OPENAPI), SentenceTransformerEncoder(device="cpu"), default_year=2025)


def test_spec_translator_does_not_give_the_appointment_date_to_the_birth_date(clinic_translator):
    result = clinic_translator.plan("Book a cardiology appointment on 2025-03-04 for the new patient Ann Lee.",
                                    planner="pyperplan")
    args = {c.name: c.arguments for c in result.calls}
    assert "birthDate" not in args["registerPatient"]
    assert args["bookAppointment"]["date"] == "2025-03-04"
    assert [(q.call, q.param) for q in result.questions] == [("var1", "birthDate")]


def test_spec_translator_gives_each_date_its_role_whatever_the_order(clinic_translator):
    result = clinic_translator.plan("Book a dermatology appointment for new patient Bo Chen (born March 2, 1985) "
                                    "on March 10, 2025.", planner="pyperplan")
    args = {c.name: c.arguments for c in result.calls}
    assert args["registerPatient"]["birthDate"] == "1985-03-02"
    assert args["bookAppointment"]["date"] == "2025-03-10"
    assert result.questions == []
