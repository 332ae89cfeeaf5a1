"""A patient's journey through the API, as a mobile client would make it (api.md "Done when").

Register, sign in, book, be moved by a paid booking, be waitlisted with another doctor and
promoted when a seat frees, be told that priority is sold at the desk, buy it there, cancel it,
ask for the refund of what was paid, and read the history that explains each step.
"""

from rest_framework.test import APIClient

from opd_site import clock as opd_clock
from scheduling.models import Source
from tests import factories
from tests.fixtures.api import signed_in, tomorrow


def desk_books(desk, hospital, patient, source="online", slot=None, doctor=None, payment=None):
    body = {
        "doctor": (doctor or hospital.doctor).id,
        "date": opd_clock.today().isoformat(),
        "source": source,
        "patient": patient.id,
    }
    if slot is not None:
        body["slot"] = slot.id
    if payment is not None:
        body["payment"] = payment
    response = desk.post("/api/v1/tokens", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_register_book_be_moved_waitlisted_promoted_cancel_refund_and_read_history(hospital):
    app = APIClient()
    desk = signed_in(hospital.receptionist)
    nine, ten = hospital.slots()[:2]
    today = opd_clock.today().isoformat()

    # Register and sign in.
    registered = app.post(
        "/api/v1/auth/register",
        {
            "name": "Asha Rao",
            "email": "asha@example.com",
            "password": "a long passphrase",
            "phone": "+919800000001",
        },
        format="json",
    )
    assert registered.status_code == 201
    session = app.post(
        "/api/v1/auth/login",
        {"email": "asha@example.com", "password": "a long passphrase"},
        format="json",
    ).json()
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {session['access']}")
    assert app.get("/api/v1/auth/profile").json()["name"] == "Asha Rao"

    # Book the 09:00 slot, the last seat of it.
    for _ in range(5):
        desk_books(desk, hospital, factories.PatientFactory(), slot=nine)
    booked = app.post(
        "/api/v1/tokens",
        {"doctor": hospital.doctor.id, "date": today, "slot": nine.id, "source": "online"},
        format="json",
    )
    assert booked.status_code == 201
    token = booked.json()
    assert token["slot"]["id"] == nine.id
    assert token["allocation"]["outcome"] == "direct"

    # A paid booking for 09:00 moves the latest online token, hers, to 10:00.
    paid = desk_books(
        desk,
        hospital,
        factories.PatientFactory(),
        source="priority",
        slot=nine,
        payment={"method": "cash"},
    )
    assert paid["allocation"]["outcome"] == "bumped"
    assert paid["allocation"]["bumped"][0]["id"] == token["id"]
    moved = app.get(f"/api/v1/tokens/{token['id']}").json()
    assert moved["slot"]["id"] == ten.id
    assert moved["was_reallocated"] is True
    assert moved["original_slot"]["id"] == nine.id
    assert [event["kind"] for event in moved["history"]] == ["booked", "bumped"]
    assert moved["history"][1]["to_slot"]["id"] == ten.id

    # The other doctor's day is full: she is waitlisted, then promoted when a seat frees.
    others = [
        hospital.token(patient=factories.PatientFactory(), slot=slot)
        for slot in hospital.slots(hospital.other_doctor)
        for _ in range(6)
    ]
    waitlisted = app.post(
        "/api/v1/tokens",
        {"doctor": hospital.other_doctor.id, "date": today, "source": "online"},
        format="json",
    )
    assert waitlisted.status_code == 202
    entry = waitlisted.json()["waiting"]
    assert entry["position"] == 1
    freed = desk.post(
        f"/api/v1/tokens/{others[-1].id}/cancel", {"reason": "Patient called"}, format="json"
    )
    assert freed.status_code == 200
    promoted_entry = app.get(f"/api/v1/waiting/{entry['id']}").json()
    assert promoted_entry["status"] == "allocated"
    assert promoted_entry["position"] is None
    promoted = app.get(f"/api/v1/tokens/{promoted_entry['allocated_token']}").json()
    assert promoted["doctor"]["id"] == hospital.other_doctor.id
    assert [event["kind"] for event in promoted["history"]] == ["promoted"]

    # A priority visit tomorrow: the app is told it is sold at the desk, with its fee; the desk
    # sells it and takes the fee; cancelled more than a day ahead, what she paid is refunded.
    visit_request = {
        "doctor": hospital.doctor.id,
        "date": tomorrow().isoformat(),
        "source": Source.PRIORITY,
    }
    refused = app.post("/api/v1/tokens", visit_request, format="json")
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "payment_required"
    assert refused.json()["error"]["details"] == {"fee": "500.00"}
    assert "sold at the OPD desk" in refused.json()["error"]["message"]
    sold = desk.post(
        "/api/v1/tokens",
        {
            **visit_request,
            "patient": token["patient"]["id"],
            "payment": {"method": "upi", "reference": "UPI-8841"},
        },
        format="json",
    )
    assert sold.status_code == 201, sold.content
    visit = app.get(f"/api/v1/tokens/{sold.json()['id']}").json()
    assert visit["fee"] == "500.00"
    assert visit["payment"]["state"] == "paid"
    assert (visit["payment"]["paid"], visit["payment"]["owed"]) == ("500.00", "0.00")
    check = app.get(f"/api/v1/tokens/{visit['id']}/cancellation").json()
    assert check["allowed"] is True
    assert check["refund_eligible"] is True
    cancelled = app.post(
        f"/api/v1/tokens/{visit['id']}/cancel", {"reason": "Travelling"}, format="json"
    )
    assert cancelled.json()["status"] == "cancelled"
    refund = app.post(
        f"/api/v1/tokens/{visit['id']}/refund", {"reason": "Travelling"}, format="json"
    )
    assert refund.status_code == 201
    assert refund.json()["amount"] == "500.00"

    # Her history: every token with its events, her cancellation with its refund.
    mine = app.get("/api/v1/tokens").json()
    assert {row["id"] for row in mine["results"]} == {token["id"], promoted["id"], visit["id"]}
    history = app.get(f"/api/v1/tokens/{visit['id']}").json()["history"]
    assert [event["kind"] for event in history] == [
        "booked",
        "payment_taken",
        "cancelled",
        "refund_requested",
    ]
    cancellations = app.get("/api/v1/cancellations").json()["results"]
    assert [(row["id"], row["refund"]["status"]) for row in cancellations] == [
        (visit["id"], "requested")
    ]
    slip = APIClient().get(f"/api/v1/token-status/{moved['reference']}").json()
    assert slip["slot"]["id"] == ten.id
    assert slip["status"] == "booked"
