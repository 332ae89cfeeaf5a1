"""Departments and doctors: finding them, registering and editing, availability, slots, queue."""

from datetime import timedelta

from opd_site import clock as opd_clock
from scheduling.models import Slot, TokenStatus
from tests import factories
from tests.api.conftest import signed_in


def test_anyone_lists_departments(hospital):
    response = signed_in(None).get("/api/v1/departments")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": hospital.department.id,
            "name": "Cardiology",
            "code": "CARD",
            "location": "Ground floor",
        }
    ]


def test_anyone_finds_doctors_with_filters(hospital):
    other_department = factories.DepartmentFactory(name="Dermatology", code="DERM")
    skin = factories.DoctorFactory(
        department=other_department, specialization="Dermatologist", is_available=False
    )
    client = signed_in(None)

    def ids(**query):
        response = client.get("/api/v1/doctors", query)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {hospital.doctor.id, hospital.other_doctor.id, skin.id}
    assert ids(department=other_department.id) == {skin.id}
    assert ids(available="false") == {skin.id}
    assert ids(available="true") == {hospital.doctor.id, hospital.other_doctor.id}
    assert ids(specialization="dermato") == {skin.id}
    assert ids(search="dermatology") == {skin.id}
    assert ids(search=hospital.doctor.user.name) == {hospital.doctor.id}


def test_a_doctors_profile_has_the_contract_fields(hospital):
    response = signed_in(None).get(f"/api/v1/doctors/{hospital.doctor.id}")

    body = response.json()
    assert response.status_code == 200
    assert {
        "id",
        "name",
        "specialization",
        "department",
        "license_number",
        "qualifications",
        "experience_years",
        "average_consultation_minutes",
        "is_available",
        "working_days",
    } <= set(body)
    assert body["working_days"] == ["Monday", "Tuesday"]
    assert body["department"]["id"] == hospital.department.id
    assert body["average_consultation_minutes"] == 10.0


def test_an_admin_registers_a_doctor_with_an_account(hospital):
    response = signed_in(hospital.admin).post(
        "/api/v1/doctors",
        {
            "name": "Dr Kavya Iyer",
            "email": "kavya@opd.example",
            "password": "a long passphrase",
            "department": hospital.department.id,
            "specialization": "Cardiologist",
            "license_number": "MCI-999",
            "token_prefix": "card3",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["token_prefix"] == "CARD3"
    assert response.json()["name"] == "Dr Kavya Iyer"
    login = signed_in(None).post(
        "/api/v1/auth/login",
        {"email": "kavya@opd.example", "password": "a long passphrase"},
        format="json",
    )
    assert login.json()["user"]["role"] == "doctor"
    assert login.json()["user"]["doctor"] == response.json()["id"]


def test_registering_a_doctor_refuses_taken_details(hospital):
    response = signed_in(hospital.admin).post(
        "/api/v1/doctors",
        {
            "name": "Copy",
            "email": hospital.doctor.user.email,
            "department": hospital.department.id,
            "specialization": "x",
            "license_number": hospital.doctor.license_number,
            "token_prefix": "card1",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "license_number", "token_prefix"}


def test_only_an_admin_registers_doctors(hospital):
    response = signed_in(hospital.receptionist).post("/api/v1/doctors", {}, format="json")

    assert response.status_code == 403


def test_the_doctor_edits_their_profile_but_not_anothers(hospital):
    client = signed_in(hospital.doctor.user)

    own = client.patch(
        f"/api/v1/doctors/{hospital.doctor.id}", {"qualifications": "MBBS, DM"}, format="json"
    )
    other = client.patch(
        f"/api/v1/doctors/{hospital.other_doctor.id}", {"qualifications": "x"}, format="json"
    )

    assert own.status_code == 200
    assert own.json()["qualifications"] == "MBBS, DM"
    assert other.status_code == 403


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
    }
    assert "patient" not in items[0]


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
