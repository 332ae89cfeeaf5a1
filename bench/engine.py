"""The engine in process: ``request_token`` called directly, as the API view calls it."""

from bench.config import configure_django
from bench.hospital import DayRef


def prepare(*, index: int, payload: dict):
    """Start Django, load doctors and patients before the clock starts; return the booking
    callable and the server process id of this worker's connection."""
    configure_django(payload["url"])
    from django.db import connection

    from accounts.models import Patient
    from doctors.models import Doctor
    from scheduling.services.requests import request_token

    schedule = payload["schedule"]
    doctor_ids = {ref.doctor_id for ref in schedule.days}
    doctors = Doctor.objects.select_related("user").in_bulk(doctor_ids)
    patients = Patient.objects.in_bulk(schedule.patients)
    connection.ensure_connection()

    def book(ref: DayRef, patient_id: int) -> None:
        allocation = request_token(
            doctor=doctors[ref.doctor_id],
            day=ref.day,
            source="online",
            patient=patients[patient_id],
        )
        if allocation.token is None:
            raise RuntimeError(f"no seat: {allocation.outcome}")

    return book, connection.connection.info.backend_pid


def count_token_request_queries(*, doctor_id: int, day, patient_id: int) -> tuple[int, list[str]]:
    """How many SQL statements one ``request_token`` sends (objects loaded beforehand)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Patient
    from doctors.models import Doctor
    from scheduling.services.requests import request_token

    doctor = Doctor.objects.select_related("user").get(pk=doctor_id)
    patient = Patient.objects.get(pk=patient_id)
    with CaptureQueriesContext(connection) as captured:
        allocation = request_token(doctor=doctor, day=day, source="online", patient=patient)
    if allocation.token is None:
        raise RuntimeError(f"query-count booking got no seat: {allocation.outcome}")
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]
