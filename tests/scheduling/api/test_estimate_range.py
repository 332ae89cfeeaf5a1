"""The estimate's range in the API: the token, the public status of a slip, the live queue."""

from datetime import datetime

from tests.fixtures.api import signed_in


def _range(body: dict) -> tuple[datetime, datetime, datetime]:
    return tuple(
        datetime.fromisoformat(body[key])
        for key in ("estimated_from", "estimated_time", "estimated_to")
    )


def test_a_waiting_token_carries_the_range_around_its_expected_call(hospital):
    token = hospital.token()

    body = signed_in(hospital.patient_user).get(f"/api/v1/tokens/{token.id}").json()

    earliest, expected, latest = _range(body)
    assert earliest <= expected <= latest
    assert earliest >= token.slot.start  # never before the slot opens


def test_the_public_status_of_a_slip_carries_the_same_range(hospital):
    token = hospital.token()

    detail = signed_in(hospital.patient_user).get(f"/api/v1/tokens/{token.id}").json()
    public = signed_in(None).get(f"/api/v1/token-status/{token.reference}").json()

    assert _range(public) == _range(detail)


def test_the_queue_shows_each_range_and_none_for_the_patient_in_consultation(hospital, clock):
    first = hospital.slots()[0]
    seen = hospital.token(slot=first)
    waiting = hospital.token(patient=hospital.other_patient, slot=first)
    clock.set(first.start)
    desk = signed_in(hospital.receptionist)
    for token in (seen, waiting):
        desk.post(f"/api/v1/tokens/{token.id}/status", {"status": "checked_in"}, format="json")
    signed_in(hospital.doctor.user).post(
        f"/api/v1/tokens/{seen.id}/status", {"status": "in_consultation"}, format="json"
    )

    items = signed_in(None).get(f"/api/v1/doctors/{hospital.doctor.id}/queue").json()["results"]

    assert [item["status"] for item in items] == ["in_consultation", "checked_in"]
    assert items[0]["estimated_from"] is None and items[0]["estimated_to"] is None
    earliest, expected, latest = _range(items[1])
    assert earliest <= expected <= latest
    assert earliest > datetime.fromisoformat(items[0]["estimated_time"])  # the doctor is busy


def test_a_completed_token_has_no_range(hospital, clock):
    token = hospital.token()
    clock.set(hospital.slots()[0].start)
    desk, doctor = signed_in(hospital.receptionist), signed_in(hospital.doctor.user)
    desk.post(f"/api/v1/tokens/{token.id}/status", {"status": "checked_in"}, format="json")
    doctor.post(f"/api/v1/tokens/{token.id}/status", {"status": "in_consultation"}, format="json")
    doctor.post(f"/api/v1/tokens/{token.id}/status", {"status": "completed"}, format="json")

    body = signed_in(None).get(f"/api/v1/token-status/{token.reference}").json()

    assert body["estimated_from"] is None and body["estimated_to"] is None
