"""Slots (availability, their tokens, cancelling, overriding) and the waiting list."""

from opd_site import clock as opd_clock
from scheduling.models import Slot, Token, TokenStatus, WaitingEntry
from tests import factories
from tests.fixtures.api import signed_in, tomorrow


def test_anyone_reads_one_slots_availability(hospital):
    slot = hospital.slots()[1]
    hospital.token(slot=slot)

    response = signed_in(None).get(f"/api/v1/slots/{slot.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == slot.id
    assert body["booked"] == 1
    assert body["available"] == 5
    assert body["doctor"]["id"] == hospital.doctor.id
    assert body["date"] == opd_clock.today().isoformat()


def test_the_slots_tokens_for_the_front_desk_and_its_doctor(hospital):
    slot = hospital.slots()[0]
    token = hospital.token(slot=slot)
    path = f"/api/v1/slots/{slot.id}/tokens"

    assert [row["id"] for row in signed_in(hospital.receptionist).get(path).json()["results"]] == [
        token.id
    ]
    assert signed_in(hospital.doctor.user).get(path).json()["count"] == 1
    assert signed_in(hospital.other_doctor.user).get(path).status_code == 403
    assert signed_in(hospital.patient_user).get(path).status_code == 403


def test_cancelling_a_slot_moves_its_tokens_and_reports_each(hospital):
    first, second = hospital.slots()[:2]
    token = hospital.token(slot=first)

    response = signed_in(hospital.receptionist).post(
        f"/api/v1/slots/{first.id}/cancel", {"reason": "Emergency surgery"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["slot"]["status"] == "cancelled"
    assert body["rehomed"] == [
        {
            "token": {"id": token.id, "reference": token.reference, "number": token.display_number},
            "outcome": "moved",
            "to_slot": {
                "id": second.id,
                "start": "2026-03-02T10:00:00+05:30",
                "end": "2026-03-02T11:00:00+05:30",
            },
            "waiting": None,
        }
    ]
    assert Token.objects.get(pk=token.pk).slot == second


def test_only_the_front_desk_cancels_slots(hospital):
    slot = hospital.slots()[0]

    assert (
        signed_in(hospital.doctor.user)
        .post(f"/api/v1/slots/{slot.id}/cancel", {}, format="json")
        .status_code
        == 403
    )
    assert Slot.objects.get(pk=slot.pk).status == Slot.Status.OPEN


def test_raising_capacity_promotes_from_the_waiting_list(hospital):
    for slot in hospital.slots():
        for _ in range(6):
            hospital.token(patient=factories.PatientFactory(), slot=slot)
    entry = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(), patient=hospital.patient
    )
    slot = hospital.slots()[3]

    response = signed_in(hospital.admin).post(
        f"/api/v1/slots/{slot.id}/override", {"capacity": 7, "reason": "Extra hour"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["capacity"] == 7
    assert response.json()["booked"] == 7
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.ALLOCATED


def test_an_override_below_the_seats_taken_is_409(hospital):
    slot = hospital.slots()[0]
    for _ in range(3):
        hospital.token(patient=factories.PatientFactory(), slot=slot)

    response = signed_in(hospital.admin).post(
        f"/api/v1/slots/{slot.id}/override", {"capacity": 2, "reason": "Short"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "capacity_below_occupancy"


def test_an_override_needs_a_change_and_a_reason_and_an_admin(hospital):
    path = f"/api/v1/slots/{hospital.slots()[0].id}/override"

    assert (
        signed_in(hospital.admin).post(path, {"reason": "Nothing"}, format="json").status_code
        == 400
    )
    assert signed_in(hospital.admin).post(path, {"capacity": 8}, format="json").status_code == 400
    assert (
        signed_in(hospital.receptionist)
        .post(path, {"capacity": 8, "reason": "x"}, format="json")
        .status_code
        == 403
    )


def test_waiting_entries_show_live_positions_to_their_owners(hospital):
    day = hospital.doctor_day()
    ahead = factories.WaitingEntryFactory(doctor_day=day, patient=hospital.other_patient)
    mine = factories.WaitingEntryFactory(doctor_day=day, patient=hospital.patient)

    mine_listed = signed_in(hospital.patient_user).get("/api/v1/waiting").json()
    detail = signed_in(hospital.patient_user).get(f"/api/v1/waiting/{mine.id}")

    assert [row["id"] for row in mine_listed["results"]] == [mine.id]
    assert detail.json()["position"] == 2
    assert {
        "id",
        "doctor",
        "date",
        "source",
        "priority",
        "status",
        "position",
        "expires_at",
    } <= set(detail.json())
    assert (
        signed_in(hospital.other_patient_user).get(f"/api/v1/waiting/{mine.id}").status_code == 404
    )
    desk = signed_in(hospital.receptionist).get("/api/v1/waiting", {"doctor": hospital.doctor.id})
    assert [row["id"] for row in desk.json()["results"]] == [ahead.id, mine.id]
    assert (
        signed_in(hospital.receptionist)
        .get("/api/v1/waiting", {"date": tomorrow().isoformat()})
        .json()["count"]
        == 0
    )


def test_leaving_the_waiting_list(hospital):
    entry = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(), patient=hospital.patient
    )
    path = f"/api/v1/waiting/{entry.id}/cancel"

    refused = signed_in(hospital.other_patient_user).post(path, {}, format="json")
    left = signed_in(hospital.patient_user).post(
        path, {"reason": "Found another doctor"}, format="json"
    )
    again = signed_in(hospital.patient_user).post(path, {}, format="json")

    assert refused.status_code == 404
    assert left.status_code == 200
    assert left.json()["status"] == "cancelled"
    assert left.json()["position"] is None
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "waiting_entry_closed"


def test_a_cancelled_token_leaves_its_slot_listing_free(hospital):
    slot = hospital.slots()[0]
    token = hospital.token(slot=slot)
    signed_in(hospital.patient_user).post(f"/api/v1/tokens/{token.id}/cancel", {}, format="json")

    assert signed_in(None).get(f"/api/v1/slots/{slot.id}").json()["booked"] == 0
    assert Token.objects.get(pk=token.pk).status == TokenStatus.CANCELLED
