"""A doctor's days through the API: availability, slots and free seats, stats, delay."""

from datetime import timedelta

from opd_site import clock as opd_clock
from scheduling.models import Slot, TokenStatus
from tests import factories
from tests.fixtures.api import signed_in


def test_going_unavailable_moves_todays_tokens(hospital, clock):
    first, second = hospital.slots()[:2]
    token = hospital.token(slot=first)
    clock.set(first.start + timedelta(minutes=30))

    response = signed_in(hospital.doctor.user).post(
        f"/api/v1/doctors/{hospital.doctor.id}/availability",
        {"is_available": False, "reason": "Called to theatre"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["doctor"]["is_available"] is False
    [rehomed] = body["rehomed"]
    assert rehomed["token"]["id"] == token.id
    assert rehomed["outcome"] == "cancelled"
    assert rehomed["waiting"]["date"] == (opd_clock.today().replace(day=3)).isoformat()
    assert Slot.objects.filter(pk=second.pk, status=Slot.Status.CANCELLED).exists()


def test_availability_needs_the_front_desk_or_that_doctor(hospital):
    path = f"/api/v1/doctors/{hospital.doctor.id}/availability"

    assert (
        signed_in(hospital.other_doctor.user)
        .post(path, {"is_available": False}, format="json")
        .status_code
        == 403
    )
    assert (
        signed_in(hospital.patient_user)
        .post(path, {"is_available": False}, format="json")
        .status_code
        == 403
    )
    assert (
        signed_in(hospital.receptionist)
        .post(path, {"is_available": True}, format="json")
        .status_code
        == 200
    )


def test_slots_show_seats_booked_and_free(hospital):
    first = hospital.slots()[0]
    for _ in range(2):
        hospital.token(patient=factories.PatientFactory(), slot=first)

    response = signed_in(None).get(
        f"/api/v1/doctors/{hospital.doctor.id}/slots", {"date": opd_clock.today().isoformat()}
    )

    assert response.status_code == 200
    slots = response.json()["results"]
    assert len(slots) == 4
    assert slots[0] == {
        "id": first.id,
        "start": "2026-03-02T09:00:00+05:30",
        "end": "2026-03-02T10:00:00+05:30",
        "capacity": 6,
        "emergency_reserve": 1,
        "walk_in_reserve": 0,
        "booked": 2,
        "available": 4,
        "emergency_free": 5,
        "status": "open",
    }
    assert (
        signed_in(None)
        .get(f"/api/v1/doctors/{hospital.doctor.id}/slots", {"date": "2030-01-01"})
        .json()["count"]
        == 0
    )
    assert (
        signed_in(None)
        .get(f"/api/v1/doctors/{hospital.doctor.id}/slots", {"date": "no"})
        .status_code
        == 400
    )


def test_stats_of_a_day(hospital, clock):
    first = hospital.slots()[0]
    seen = hospital.token(slot=first)
    absent = hospital.token(patient=hospital.other_patient, slot=first)
    clock.set(first.start)
    desk = signed_in(hospital.receptionist)
    desk.post(f"/api/v1/tokens/{seen.id}/status", {"status": "checked_in"}, format="json")
    clock.advance(minutes=10)
    desk.post(f"/api/v1/tokens/{seen.id}/status", {"status": "in_consultation"}, format="json")
    clock.advance(minutes=8)
    desk.post(f"/api/v1/tokens/{seen.id}/status", {"status": "completed"}, format="json")
    desk.post(f"/api/v1/tokens/{absent.id}/status", {"status": "no_show"}, format="json")

    response = signed_in(hospital.doctor.user).get(f"/api/v1/doctors/{hospital.doctor.id}/stats")

    assert response.status_code == 200
    stats = response.json()
    assert stats["tokens"]["total"] == 2
    assert stats["tokens"]["by_source"]["online"] == 2
    assert stats["tokens"]["by_status"][TokenStatus.COMPLETED] == 1
    assert stats["tokens"]["by_status"][TokenStatus.NO_SHOW] == 1
    assert stats["no_show_rate"] == 0.5
    assert stats["average_wait_minutes"] == 10.0
    assert stats["average_consultation_minutes"] == 8.0
    assert stats["slots"][0]["id"] == first.id
    assert stats["slots"][0]["booked"] == 1
    assert stats["slots"][0]["utilisation"] == round(1 / 6, 3)


def test_stats_ranges_are_checked(hospital):
    client = signed_in(hospital.receptionist)
    path = f"/api/v1/doctors/{hospital.doctor.id}/stats"

    assert client.get(path, {"from": "2026-03-01", "to": "2026-03-31"}).status_code == 200
    assert client.get(path, {"from": "2026-03-05", "to": "2026-03-01"}).status_code == 400
    assert client.get(path, {"from": "2020-01-01", "to": "2026-03-01"}).status_code == 400
    assert client.get(path, {"date": "2026-03-01", "from": "2026-03-01"}).status_code == 400
    assert signed_in(hospital.other_doctor.user).get(path).status_code == 403
    assert signed_in(hospital.patient_user).get(path).status_code == 403


def test_a_delay_shifts_estimates_and_moves_excess_tokens(hospital):
    first = hospital.slots()[0]
    hospital.token(slot=first)

    response = signed_in(hospital.doctor.user).post(
        f"/api/v1/doctors/{hospital.doctor.id}/delay",
        {"minutes": 30, "reason": "Ward round"},
        format="json",
    )
    slots = signed_in(None).get(f"/api/v1/doctors/{hospital.doctor.id}/slots").json()["results"]

    assert response.status_code == 200
    assert response.json()["delay_minutes"] == 30
    assert slots[0]["capacity"] == 3
