"""A token after booking: reading it, cancelling, refunds, fast-track."""

from decimal import Decimal

import pytest

from opd_site import clock as opd_clock
from scheduling.models import Refund, Slot, Source, Token, TokenStatus, WaitingEntry
from tests import factories
from tests.fixtures.api import signed_in, tomorrow


def url(token, action=""):
    return f"/api/v1/tokens/{token.id}" + (f"/{action}" if action else "")


def test_the_owner_reads_a_token_with_history_and_estimate(hospital):
    token = hospital.token()

    response = signed_in(hospital.patient_user).get(url(token))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == token.id
    assert body["number"] == token.display_number
    assert body["estimated_wait_minutes"] == 60
    assert body["position"] == 1
    assert body["history"] == []


def test_another_patients_token_does_not_exist_for_you(hospital):
    token = hospital.token()

    response = signed_in(hospital.other_patient_user).get(url(token))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_tokens_doctor_reads_it_and_another_doctor_does_not(hospital):
    token = hospital.token()

    assert signed_in(hospital.doctor.user).get(url(token)).status_code == 200
    assert signed_in(hospital.other_doctor.user).get(url(token)).status_code == 404


def test_patients_list_their_own_tokens_only(hospital):
    mine = hospital.token()
    hospital.token(patient=hospital.other_patient)

    response = signed_in(hospital.patient_user).get("/api/v1/tokens")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [mine.id]
    assert "history" not in body["results"][0]


def test_the_front_desk_filters_tokens(hospital):
    first, second = hospital.slots()[:2]
    online = hospital.token(slot=first)
    walk_in = hospital.token(patient=hospital.other_patient, slot=second, source=Source.WALK_IN)
    elsewhere = hospital.token(slot=hospital.slots(hospital.other_doctor)[0])
    client = signed_in(hospital.receptionist)

    def ids(**query):
        response = client.get("/api/v1/tokens", query)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {online.id, walk_in.id, elsewhere.id}
    assert ids(doctor=hospital.doctor.id) == {online.id, walk_in.id}
    assert ids(source="walk_in") == {walk_in.id}
    assert ids(slot=second.id) == {walk_in.id}
    assert ids(status="booked", date=opd_clock.today().isoformat()) == {
        online.id,
        walk_in.id,
        elsewhere.id,
    }
    assert ids(status="cancelled") == set()
    assert ids(doctor=999_999) == set()
    assert client.get("/api/v1/tokens", {"doctor": 10**30}).status_code == 400


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"date": "soon"}, {"doctor": "x"}, {"page": "0"}]
)
def test_bad_list_filters_are_refused_in_the_error_shape(hospital, query):
    response = signed_in(hospital.receptionist).get("/api/v1/tokens", query)

    assert response.status_code in (400, 404)
    assert "error" in response.json()


def test_lists_are_paginated(hospital):
    for _ in range(3):
        hospital.token(patient=factories.PatientFactory())

    response = signed_in(hospital.receptionist).get("/api/v1/tokens", {"page_size": 2})
    second = signed_in(hospital.receptionist).get("/api/v1/tokens", {"page_size": 2, "page": 2})

    assert response.json()["count"] == 3
    assert len(response.json()["results"]) == 2
    assert response.json()["next"].endswith("page=2&page_size=2")
    assert response.json()["previous"] is None
    assert len(second.json()["results"]) == 1


def test_the_public_status_of_a_slip_shows_no_patient(hospital):
    token = hospital.token()

    response = signed_in(None).get(f"/api/v1/token-status/{token.reference}")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == token.display_number
    assert body["status"] == "booked"
    assert body["position"] == 1
    assert body["estimated_wait_minutes"] == 60
    assert "patient" not in body
    assert signed_in(None).get("/api/v1/token-status/nosuchref").status_code == 404


def test_cancellation_check_then_cancel_frees_the_seat_for_the_waiting_list(hospital):
    for slot in hospital.slots():
        for _ in range(6):
            hospital.token(patient=factories.PatientFactory(), slot=slot)
    mine = Token.objects.filter(slot=hospital.slots()[0]).first()
    mine.patient = hospital.patient
    mine.save(update_fields=["patient"])
    waiting = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(), patient=hospital.other_patient
    )
    client = signed_in(hospital.patient_user)

    check = client.get(url(mine, "cancellation"))
    cancelled = client.post(url(mine, "cancel"), {"reason": "Feeling better"}, format="json")

    assert check.status_code == 200
    assert check.json() == {
        "allowed": True,
        "refund_eligible": False,
        "reason": "Can be cancelled; no fee was paid.",
    }
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_by"] == "patient"
    waiting.refresh_from_db()
    assert waiting.status == WaitingEntry.Status.ALLOCATED
    assert waiting.allocated_token.slot == hospital.slots()[0]


def test_a_patient_cannot_cancel_once_the_slot_has_started(hospital, clock):
    token = hospital.token()
    clock.set(hospital.slots()[0].start)

    response = signed_in(hospital.patient_user).post(url(token, "cancel"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cancellation_not_allowed"


def test_a_refund_of_a_hospital_cancelled_paid_token(hospital):
    token = hospital.cancelled_paid_token()
    client = signed_in(hospital.patient_user)

    check = client.get(url(token, "cancellation"))
    refund = client.post(url(token, "refund"), {"reason": "Doctor away"}, format="json")
    again = client.post(url(token, "refund"), {}, format="json")

    assert check.json()["refund_eligible"] is True
    assert refund.status_code == 201
    assert refund.json()["amount"] == "500.00"
    assert refund.json()["status"] == "requested"
    assert refund.json()["token"]["id"] == token.id
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "refund_not_eligible"


def test_a_refund_of_an_unpaid_token_is_409(hospital):
    token = hospital.token(
        status=TokenStatus.CANCELLED, cancelled_at=opd_clock.now(), fee=Decimal(0)
    )

    response = signed_in(hospital.patient_user).post(url(token, "refund"), {}, format="json")

    assert response.status_code == 409
    assert not Refund.objects.exists()


def test_an_administrator_decides_refunds_and_paying_one_back_marks_the_token_refunded(hospital):
    token = hospital.cancelled_paid_token()
    refund_id = (
        signed_in(hospital.patient_user).post(url(token, "refund"), {}, format="json").json()["id"]
    )
    status_url = f"/api/v1/refunds/{refund_id}/status"
    admin = signed_in(hospital.admin)

    refused_for_patient = signed_in(hospital.patient_user).post(
        status_url, {"status": "approved"}, format="json"
    )
    refused_for_desk = signed_in(hospital.receptionist).post(
        status_url, {"status": "approved"}, format="json"
    )
    approved = admin.post(status_url, {"status": "approved", "note": "Checked"}, format="json")
    paid = admin.post(status_url, {"status": "paid"}, format="json")
    paid_again = admin.post(status_url, {"status": "paid"}, format="json")

    assert refused_for_patient.status_code == 403
    assert refused_for_desk.status_code == 403
    assert refused_for_desk.json()["error"]["code"] == "refund_needs_admin"
    assert approved.json()["status"] == "approved"
    assert paid.json()["status"] == "paid"
    assert paid_again.status_code == 409
    mine = signed_in(hospital.patient_user)
    assert mine.get(f"/api/v1/refunds/{refund_id}").json()["status"] == "paid"
    assert mine.get(url(token)).json()["payment"]["state"] == "refunded"
    assert [event["kind"] for event in mine.get(url(token)).json()["history"]][-3:] == [
        "refund_requested",
        "refund_approved",
        "refund_paid",
    ]
    assert (
        signed_in(hospital.other_patient_user).get(f"/api/v1/refunds/{refund_id}").status_code
        == 404
    )
    assert mine.get("/api/v1/refunds").json()["count"] == 1
    assert signed_in(hospital.other_patient_user).get("/api/v1/refunds").json()["count"] == 0


def test_the_administrator_who_asked_for_a_refund_cannot_approve_it(hospital):
    token = hospital.cancelled_paid_token()
    admin = signed_in(hospital.admin)
    refund_id = admin.post(url(token, "refund"), {"reason": "Phoned in"}, format="json").json()[
        "id"
    ]

    own = admin.post(f"/api/v1/refunds/{refund_id}/status", {"status": "approved"}, format="json")
    other = signed_in(factories.UserFactory(role="admin")).post(
        f"/api/v1/refunds/{refund_id}/status", {"status": "approved"}, format="json"
    )

    assert own.status_code == 403
    assert own.json()["error"]["code"] == "refund_own_request"
    assert other.status_code == 200
    assert other.json()["status"] == "approved"


def test_an_unpaid_priority_token_cancelled_a_day_ahead_has_nothing_to_refund(hospital):
    slot = Slot.objects.filter(
        doctor_day__doctor=hospital.doctor, doctor_day__date=tomorrow()
    ).first()
    token = hospital.token(slot=slot, source=Source.PRIORITY, fee=Decimal("500.00"))
    client = signed_in(hospital.patient_user)

    check = client.get(url(token, "cancellation")).json()
    client.post(url(token, "cancel"), {"reason": "Plans changed"}, format="json")
    refund = client.post(url(token, "refund"), {}, format="json")

    assert check["refund_eligible"] is False
    assert refund.status_code == 409
    assert refund.json()["error"]["code"] == "refund_not_eligible"
    assert refund.json()["error"]["details"] == {"payment_state": "unpaid", "paid": "0.00"}
    assert not Refund.objects.exists()


def test_the_front_desk_fast_tracks_a_token_to_emergency_priority(hospital):
    token = hospital.token(slot=hospital.slots()[2])

    response = signed_in(hospital.receptionist).post(
        url(token, "fast-track"), {"reason": "Collapsed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["priority"] == 100
    assert response.json()["slot"]["id"] == hospital.slots()[0].id
    assert response.json()["history"][-1]["kind"] == "fast_tracked"
    assert (
        signed_in(hospital.patient_user)
        .post(url(token, "fast-track"), {}, format="json")
        .status_code
        == 403
    )
