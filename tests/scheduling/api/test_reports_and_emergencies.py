"""Cancellations and emergencies through the API: history, figures, admission, the current slot."""

from datetime import timedelta

from opd_site import clock as opd_clock
from scheduling.models import Token
from tests import factories
from tests.fixtures.api import signed_in


def cancel(hospital, user, token, reason=""):
    return signed_in(user).post(
        f"/api/v1/tokens/{token.id}/cancel", {"reason": reason}, format="json"
    )


def test_cancellation_history_for_staff_and_own_for_patients(hospital):
    mine = hospital.token()
    theirs = hospital.token(patient=hospital.other_patient, slot=hospital.slots()[1])
    cancel(hospital, hospital.patient_user, mine, "Feeling better")
    cancel(hospital, hospital.receptionist, theirs, "Duplicate booking")

    desk = signed_in(hospital.receptionist)
    everything = desk.get("/api/v1/cancellations").json()
    duplicates = desk.get("/api/v1/cancellations", {"reason": "duplicate"}).json()
    by_staff = desk.get("/api/v1/cancellations", {"cancelled_by": "staff"}).json()
    dated = desk.get(
        "/api/v1/cancellations",
        {
            "from": opd_clock.today().isoformat(),
            "to": opd_clock.today().isoformat(),
            "doctor": hospital.doctor.id,
        },
    ).json()
    own = signed_in(hospital.patient_user).get("/api/v1/cancellations").json()

    assert everything["count"] == 2
    assert [row["id"] for row in duplicates["results"]] == [theirs.id]
    assert [row["id"] for row in by_staff["results"]] == [theirs.id]
    assert dated["count"] == 2
    assert [row["id"] for row in own["results"]] == [mine.id]
    assert own["results"][0]["reason"] == "Feeling better"
    assert own["results"][0]["cancelled_by"] == "patient"
    assert own["results"][0]["refund"] is None


def test_cancellation_figures_with_refund_totals(hospital):
    token = hospital.cancelled_paid_token()
    signed_in(hospital.patient_user).post(f"/api/v1/tokens/{token.id}/refund", {}, format="json")
    other = hospital.token(patient=hospital.other_patient, slot=hospital.slots()[2])
    cancel(hospital, hospital.other_patient_user, other, "Feeling better")

    response = signed_in(hospital.receptionist).get("/api/v1/cancellations/stats")

    assert response.status_code == 200
    stats = response.json()
    assert stats["total"] == 2
    assert stats["by_cancelled_by"] == {"patient": 1, "staff": 0, "hospital": 1}
    assert stats["by_source"]["priority"] == 1
    assert {"reason": "Feeling better", "count": 1} in stats["by_reason"]
    assert stats["refunds"]["requested"] == {"count": 1, "amount": "500.00"}
    assert stats["refunds"]["pending"] == {"count": 1, "amount": "500.00"}
    assert stats["refunds"]["paid"] == {"count": 0, "amount": "0.00"}
    assert signed_in(hospital.patient_user).get("/api/v1/cancellations/stats").status_code == 403
    assert (
        signed_in(hospital.receptionist)
        .get("/api/v1/cancellations/stats", {"doctor": 999999})
        .status_code
        == 400
    )


def test_the_front_desk_admits_an_emergency_into_the_slot_in_progress(hospital, clock):
    first = hospital.slots()[0]
    for _ in range(6):
        hospital.token(patient=factories.PatientFactory(), slot=first)
    clock.set(first.start + timedelta(minutes=20))

    response = signed_in(hospital.receptionist).post(
        "/api/v1/emergencies",
        {"doctor": hospital.doctor.id, "patient": hospital.patient.id, "reason": "Chest pain"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["source"] == "emergency"
    assert body["priority"] == 100
    assert body["slot"]["id"] == first.id
    assert body["allocation"]["outcome"] == "emergency_reserve"
    assert body["position"] == 1


def test_patients_and_doctors_do_not_admit_emergencies(hospital):
    body = {"doctor": hospital.doctor.id, "patient": hospital.patient.id}

    assert (
        signed_in(hospital.patient_user)
        .post("/api/v1/emergencies", body, format="json")
        .status_code
        == 403
    )
    assert (
        signed_in(hospital.doctor.user).post("/api/v1/emergencies", body, format="json").status_code
        == 403
    )
    assert not Token.objects.exists()


def test_the_current_slot_of_a_doctor(hospital, clock):
    second = hospital.slots()[1]
    clock.set(second.start + timedelta(minutes=5))

    response = signed_in(None).get(
        "/api/v1/emergencies/current-slot", {"doctor": hospital.doctor.id}
    )
    clock.set(hospital.slots()[-1].end + timedelta(minutes=1))
    after_hours = signed_in(None).get(
        "/api/v1/emergencies/current-slot", {"doctor": hospital.doctor.id}
    )

    assert response.status_code == 200
    assert response.json()["slot"]["id"] == second.id
    assert after_hours.json() == {"doctor": hospital.doctor.id, "slot": None}
    assert signed_in(None).get("/api/v1/emergencies/current-slot").status_code == 400
    assert (
        signed_in(None).get("/api/v1/emergencies/current-slot", {"doctor": 424242}).status_code
        == 404
    )


def test_emergency_figures(hospital, clock):
    first = hospital.slots()[0]
    clock.set(first.start)
    desk = signed_in(hospital.receptionist)
    admitted = desk.post(
        "/api/v1/emergencies",
        {"doctor": hospital.doctor.id, "patient": hospital.patient.id},
        format="json",
    ).json()
    desk.post(f"/api/v1/tokens/{admitted['id']}/status", {"status": "checked_in"}, format="json")
    clock.advance(minutes=6)
    desk.post(
        f"/api/v1/tokens/{admitted['id']}/status", {"status": "in_consultation"}, format="json"
    )

    stats = desk.get("/api/v1/emergencies/stats", {"doctor": hospital.doctor.id}).json()

    assert stats["count"] == 1
    assert stats["overflows"] == 0
    assert stats["seen"] == 1
    assert stats["average_minutes_to_consultation"] == 6.0
    assert signed_in(hospital.doctor.user).get("/api/v1/emergencies/stats").status_code == 403
