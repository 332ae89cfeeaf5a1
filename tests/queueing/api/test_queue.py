"""A doctor's live queue and call next through the API."""

from tests.fixtures.api import signed_in


def test_the_live_queue_shows_numbers_not_names(hospital, clock):
    first = hospital.slots()[0]
    early = hospital.token(slot=first)
    late = hospital.token(patient=hospital.other_patient, slot=first)
    clock.set(first.start)
    signed_in(hospital.receptionist).post(
        f"/api/v1/tokens/{late.id}/status", {"status": "checked_in"}, format="json"
    )

    response = signed_in(None).get(f"/api/v1/doctors/{hospital.doctor.id}/queue")

    assert response.status_code == 200
    items = response.json()["results"]
    assert [item["number"] for item in items] == [late.display_number, early.display_number]
    assert items[0] == {
        "number": late.display_number,
        "status": "checked_in",
        "slot": {
            "id": first.id,
            "start": "2026-03-02T09:00:00+05:30",
            "end": "2026-03-02T10:00:00+05:30",
        },
        "position": 1,
        "estimated_wait_minutes": 0,
        "estimated_time": "2026-03-02T09:00:00+05:30",
        "estimated_from": "2026-03-02T09:00:00+05:30",
        "estimated_to": "2026-03-02T09:03:00+05:30",
    }
    assert "patient" not in items[0]


def test_call_next_takes_the_checked_in_patient(hospital, clock):
    first = hospital.slots()[0]
    token = hospital.token(slot=first)
    clock.set(first.start)
    client = signed_in(hospital.doctor.user)

    empty = client.post(f"/api/v1/doctors/{hospital.doctor.id}/call-next")
    signed_in(hospital.receptionist).post(
        f"/api/v1/tokens/{token.id}/status", {"status": "checked_in"}, format="json"
    )
    called = client.post(f"/api/v1/doctors/{hospital.doctor.id}/call-next")

    assert empty.status_code == 409
    assert empty.json()["error"]["code"] == "queue_empty"
    assert called.status_code == 200
    assert called.json()["id"] == token.id
    assert called.json()["status"] == "in_consultation"
