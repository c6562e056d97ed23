"""A small clinic service that implements ``data/api/clinic_openapi.yaml``, to run plans against
(tests, the notebook, the README). It keeps everything in memory and logs every request.

Failure modes it really has: dermatology has no doctor taking appointments (the ``doctors`` list
is empty), an appointment on a Sunday is refused with HTTP 409, and a birth date in the future
with HTTP 422.

    with serve(make_app()) as base_url:
        ...  # e.g. proofplan run api ... --base-url {base_url}
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from common.paths import data_dir

DOCTORS = {
    "cardiology": [{"doctorId": "D-7", "name": "Dr. Amara Rao"}, {"doctorId": "D-9", "name": "Dr. Li Wen"}],
    "pediatrics": [{"doctorId": "D-3", "name": "Dr. Sam Okafor"}],
    "dermatology": [],
}


def spec_path():
    """The OpenAPI document the service implements."""
    return data_dir() / "api" / "clinic_openapi.yaml"


class Contact(BaseModel):
    email: str | None = None


class NewPatient(BaseModel):
    name: str
    birthDate: dt.date  # noqa: N815  (the document's field name)
    contact: Contact | None = None


class NewAppointment(BaseModel):
    patientId: str  # noqa: N815
    doctorId: str  # noqa: N815
    date: dt.date
    reason: str | None = None


def make_app() -> FastAPI:
    """A fresh service; ``app.state.log`` lists ``"METHOD /path"`` per request received."""
    app = FastAPI(title="Clinic")
    app.state.log = []
    patients: dict[str, dict] = {}
    appointments: dict[str, dict] = {}

    @app.middleware("http")
    async def log_requests(request, call_next):
        app.state.log.append(f"{request.method} {request.url.path}")
        return await call_next(request)

    @app.post("/api/patients", status_code=201)
    def register_patient(body: NewPatient) -> dict:
        if body.birthDate > dt.date.today():
            raise HTTPException(422, "birthDate is in the future")
        pid = f"P-{len(patients) + 1}"
        patients[pid] = {"patientId": pid, "name": body.name, "birthDate": body.birthDate.isoformat()}
        return patients[pid]

    @app.get("/api/doctors")
    def find_doctors(specialty: str, limit: int = 3) -> dict:
        if specialty not in DOCTORS:
            raise HTTPException(404, f"no specialty {specialty!r}")
        return {"doctors": DOCTORS[specialty][:limit]}

    @app.post("/api/appointments", status_code=201)
    def book_appointment(body: NewAppointment) -> dict:
        if body.patientId not in patients:
            raise HTTPException(404, f"no patient {body.patientId}")
        if body.date.weekday() == 6:
            raise HTTPException(409, "the clinic is closed on Sundays")
        aid = f"A-{len(appointments) + 1}"
        appointments[aid] = {"appointmentId": aid, "patientId": body.patientId, "doctorId": body.doctorId,
                             "date": body.date.isoformat(), "status": "booked"}
        return appointments[aid]

    @app.get("/api/appointments/{appointment_id}")
    def get_appointment(appointment_id: str) -> dict:
        if appointment_id not in appointments:
            raise HTTPException(404, f"no appointment {appointment_id}")
        return appointments[appointment_id]

    return app


@contextmanager
def serve(app: FastAPI, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the clinic service did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
