"""`run api`: plans carried out over HTTP against a real local service (the clinic app of
``planner.api.demo_clinic`` under uvicorn on loopback, from ``data/api/clinic_openapi.yaml``).
One test per failure kind; the service's own request log shows what was sent."""

import json
import subprocess
import sys

import httpx
import pytest

from planner.api.demo_clinic import make_app, serve, spec_path
from planner.api.http_runner import HttpRunner, RunError, read_path
from planner.api.importers import load_spec

BOTH = "Register the new patient Ann Lee, born 1990-02-01, and book a cardiology appointment for her on 2025-03-04."


@pytest.fixture(scope="module")
def spec():
    return load_spec(spec_path())


@pytest.fixture(scope="module")
def translator(spec):
    from planner.api.spec_translator import SpecTranslator
    from retrieval.encoder import SentenceTransformerEncoder

    return SpecTranslator(spec.catalog, SentenceTransformerEncoder(device="cpu"), default_year=2025)


@pytest.fixture()
def service():
    app = make_app()
    with serve(app) as base_url:
        yield app, base_url


def plan(translator, text):
    return translator.plan(text, planner="pyperplan")


def test_multi_step_plan_runs_with_data_flow_and_each_call_sent_once(spec, translator, service):
    app, base_url = service
    result = HttpRunner(spec, base_url).run(plan(translator, BOTH))
    assert [(c.name, c.status) for c in result.calls][:3] == [
        ("registerPatient", 201), ("findDoctors", 200), ("bookAppointment", 201)]
    book = result.calls[2]
    assert book.body == {"patientId": "P-1", "doctorId": "D-7", "date": "2025-03-04"}  # read from steps 1 and 2
    assert result.calls[1].query == {"specialty": "cardiology", "limit": 3}  # the declared default, as an integer
    assert app.state.log[:3] == ["POST /api/patients", "GET /api/doctors", "POST /api/appointments"]
    assert len(app.state.log) == len(result.calls) == len(set(app.state.log))
    final = [v for v in result.outputs.values() if isinstance(v, dict) and "appointmentId" in v]
    assert final and final[0]["status"] == "booked" and final[0]["date"] == "2025-03-04"


def test_get_info_answers_come_from_the_answers_mapping(spec, translator, service):
    app, base_url = service
    the_plan = plan(translator, "Book a pediatrics appointment on 2025-03-05 for the new patient Bo Chen.")
    result = HttpRunner(spec, base_url).run(the_plan, {"birthDate": "2019-06-01"})
    assert result.answers == {"var1.birthDate": "2019-06-01"}
    assert result.calls[0].body == {"name": "Bo Chen", "birthDate": "2019-06-01"}
    assert [c.status for c in result.calls] == [201, 200, 201]


def test_an_unanswered_question_stops_before_any_call(spec, translator, service):
    app, base_url = service
    the_plan = plan(translator, "Book a pediatrics appointment on 2025-03-05 for the new patient Bo Chen.")
    with pytest.raises(RunError, match=r"^step 1 \(var1 registerPatient\): no answer for 'birthDate'"):
        HttpRunner(spec, base_url).run(the_plan, {})
    assert app.state.log == []


def test_an_http_error_stops_at_its_step_and_sends_nothing_after(spec, translator, service):
    app, base_url = service
    sunday = plan(translator, BOTH.replace("2025-03-04", "2025-03-09"))
    with pytest.raises(RunError) as err:
        HttpRunner(spec, base_url).run(sunday)
    assert str(err.value).startswith("step 3 (var3 bookAppointment): HTTP 409 from POST")
    assert "closed on Sundays" in str(err.value) and "\n" not in str(err.value)
    assert app.state.log == ["POST /api/patients", "GET /api/doctors", "POST /api/appointments"]


def test_a_response_missing_a_needed_field_stops_at_the_step_that_returned_it(spec, translator, service):
    app, base_url = service
    the_plan = plan(translator, BOTH.replace("cardiology", "dermatology"))  # no dermatologist takes patients
    with pytest.raises(RunError) as err:
        HttpRunner(spec, base_url).run(the_plan)
    assert str(err.value) == ("step 2 (var2 findDoctors): the response has no field 'doctors.doctorId', "
                              "which var3 needs")
    assert app.state.log == ["POST /api/patients", "GET /api/doctors"]


def test_an_unreachable_service_is_one_line_at_the_first_step(spec, translator):
    with serve(make_app()) as base_url:
        pass  # the port is free again: nothing listens there
    with pytest.raises(RunError, match=r"^step 1 \(var1 registerPatient\): cannot reach http://127\.0\.0\.1:\d+/api/patients"):
        HttpRunner(spec, base_url, timeout=2).run(plan(translator, BOTH))


def test_dry_run_sends_nothing_and_shows_references(spec, translator, service):
    app, base_url = service
    result = HttpRunner(spec, base_url).run(plan(translator, BOTH), dry_run=True)
    assert app.state.log == []
    assert all(c.status is None for c in result.calls)
    assert result.calls[2].body["patientId"] == "$var1.patientId$"
    assert result.calls[2].line().endswith("(not sent)")
    asked = HttpRunner(spec, base_url).run(plan(translator, "Book a cardiology appointment on 2025-03-04 for the new "
                                                            "patient Ann Lee."), dry_run=True)
    assert asked.calls[0].body == {"name": "Ann Lee", "birthDate": "<ask: birthDate>"} and app.state.log == []


def test_read_path_steps_into_the_first_item_of_arrays():
    value = {"doctors": [{"doctorId": "D-7"}, {"doctorId": "D-9"}]}
    assert read_path(value, "doctors.doctorId") == "D-7"
    with pytest.raises(KeyError):
        read_path({"doctors": []}, "doctors.doctorId")


def test_bad_base_url_is_one_line(spec):
    with pytest.raises(RunError, match="--base-url must be an http"):
        HttpRunner(spec, "localhost:8000")


def run_cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "proofplan.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=300)


def test_cli_runs_the_plan_and_a_failure_exits_with_one_line(service, tmp_path):
    app, base_url = service
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"birthDate": "1991-05-05"}))
    ok = run_cli("run", "api", "Book a cardiology appointment on 2025-03-04 for the new patient Ann Lee.",
                 "--spec", str(spec_path()), "--base-url", base_url, "--answers", str(answers), "--year", "2025")
    assert ok.returncode == 0, ok.stderr
    lines = ok.stdout.splitlines()
    assert lines[0].startswith("var1 registerPatient: POST ") and lines[0].endswith("-> 201")
    assert '"birthDate": "1991-05-05"' in lines[0]
    assert any(line.startswith("output var3: ") and '"status": "booked"' in line for line in lines)
    failed = run_cli("run", "api", BOTH.replace("2025-03-04", "2025-03-09"), "--spec", str(spec_path()),
                     "--base-url", base_url)
    assert failed.returncode == 2
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert errors == [failed.stderr.strip().splitlines()[-1]]
    assert errors[0].startswith("error: step 3 (var3 bookAppointment): HTTP 409")
    assert "Traceback" not in failed.stderr
    assert httpx.get(f"{base_url}/api/appointments/A-1").json()["patientId"] == "P-1"  # the first run's booking
