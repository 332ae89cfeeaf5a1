"""Requesting tokens through the API: who may book, what the answer says, what is refused."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings

from opd_site import clock as opd_clock
from scheduling.models import Source, Token, WaitingEntry
from tests import factories
from tests.fixtures.api import patient_account, signed_in

TOKENS = "/api/v1/tokens"


def book(user, **body):
    return signed_in(user).post(TOKENS, body, format="json")


def fill(hospital, slot, count, source=Source.ONLINE):
    for _ in range(count):
        hospital.token(patient=factories.PatientFactory(), slot=slot, source=source)


def test_a_patient_books_their_own_token_and_sees_the_allocation(hospital):
    first_slot = hospital.slots()[0]

    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        reason="Chest pain",
    )

    assert response.status_code == 201
    token = response.json()
    assert token["number"] == "CARD1-001"
    assert token["patient"]["id"] == hospital.patient.id
    assert token["doctor"]["id"] == hospital.doctor.id
    assert token["slot"]["id"] == first_slot.id
    assert token["date"] == opd_clock.today().isoformat()
    assert token["source"] == "online"
    assert token["priority"] == 50
    assert token["status"] == "booked"
    assert token["was_reallocated"] is False
    assert token["original_slot"] is None
    assert token["estimated_wait_minutes"] == 60
    assert [event["kind"] for event in token["history"]] == ["booked"]
    assert token["allocation"] == {
        "outcome": "direct",
        "message": "Seated in the requested slot.",
        "bumped": [],
    }
    assert Token.objects.get(pk=token["id"]).reference == token["reference"]


def test_the_front_desk_books_a_walk_in_for_a_patient_record(hospital):
    walk_in = factories.PatientFactory()

    response = book(
        hospital.receptionist,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="walk_in",
        patient=walk_in.id,
    )

    assert response.status_code == 201
    assert response.json()["patient"]["id"] == walk_in.id
    assert response.json()["source"] == "walk_in"


def test_the_front_desk_must_name_the_patient(hospital):
    response = book(
        hospital.receptionist,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
    )

    assert response.status_code == 400
    assert "patient" in response.json()["error"]["details"]


def test_a_patient_cannot_book_for_someone_else(hospital):
    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        patient=hospital.other_patient.id,
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Token.objects.exists()


@pytest.mark.parametrize("source", ["emergency", "walk_in"])
def test_patients_cannot_issue_desk_only_sources(hospital, source):
    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source=source,
    )

    assert response.status_code == 403
    assert not Token.objects.exists()


def test_doctors_do_not_book(hospital):
    response = book(
        hospital.doctor.user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        patient=hospital.patient.id,
    )

    assert response.status_code == 403


def test_a_second_request_for_the_same_doctor_day_is_409_with_the_existing_token(hospital):
    body = {"doctor": hospital.doctor.id, "date": opd_clock.today().isoformat(), "source": "online"}
    first = book(hospital.patient_user, **body).json()

    again = book(hospital.patient_user, **body)

    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_booked"
    assert error["details"]["token"] == first["id"]
    assert error["details"]["reference"] == first["reference"]
    assert error["details"]["existing"]["number"] == first["number"]
    assert error["details"]["existing"]["slot"] == first["slot"]
    assert Token.objects.count() == 1


def test_a_full_day_puts_the_request_on_the_waiting_list_with_202(hospital):
    for slot in hospital.slots():
        fill(hospital, slot, 6)

    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
    )

    assert response.status_code == 202
    waiting = response.json()["waiting"]
    assert waiting["status"] == "waiting"
    assert waiting["position"] == 1
    assert waiting["patient"]["id"] == hospital.patient.id
    assert response.json()["allocation"]["outcome"] == "waitlisted"
    assert WaitingEntry.objects.get(pk=waiting["id"]).patient == hospital.patient


def test_a_duplicate_while_waiting_names_the_waiting_entry(hospital):
    for slot in hospital.slots():
        fill(hospital, slot, 6)
    body = {"doctor": hospital.doctor.id, "date": opd_clock.today().isoformat(), "source": "online"}
    waiting = book(hospital.patient_user, **body).json()["waiting"]

    again = book(hospital.patient_user, **body)

    assert again.status_code == 409
    details = again.json()["error"]["details"]
    assert details["waiting"] == waiting["id"]
    assert details["existing"]["position"] == 1


def test_a_paid_request_bumps_the_latest_online_token_and_says_so(hospital):
    first, second = hospital.slots()[:2]
    fill(hospital, first, 6)

    response = book(
        hospital.receptionist,  # paid priority is sold at the desk, with its fee
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="priority",
        slot=first.id,
        patient=hospital.patient.id,
        payment={"method": "cash", "reference": "R-0142"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["payment"]["state"] == "paid"
    assert body["slot"]["id"] == first.id
    assert body["allocation"]["outcome"] == "bumped"
    [bumped] = body["allocation"]["bumped"]
    assert bumped["slot"]["id"] == second.id
    assert Token.objects.get(pk=bumped["id"]).slot == second


def test_a_full_preferred_slot_seats_in_a_later_one_and_marks_it_reallocated(hospital):
    first, second = hospital.slots()[:2]
    fill(hospital, first, 6)

    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        slot=first.id,
    )

    body = response.json()
    assert response.status_code == 201
    assert body["allocation"]["outcome"] == "moved"
    assert body["slot"]["id"] == second.id
    assert body["was_reallocated"] is True
    assert body["original_slot"]["id"] == first.id
    assert body["history"][0]["kind"] == "moved"


def test_a_date_outside_the_booking_window_is_400(hospital):
    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=(opd_clock.today() + timedelta(days=90)).isoformat(),
        source="online",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_booking_window"


def test_another_doctors_slot_is_refused(hospital):
    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        slot=hospital.slots(hospital.other_doctor)[0].id,
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "slot_not_bookable"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doctor", 999_999),
        ("doctor", 10**30),
        ("doctor", -1),
        ("doctor", True),
        ("doctor", 1.5),
        ("doctor", "1"),
        ("doctor", None),
        ("date", "2026-02-30"),
        ("date", "yesterday"),
        ("date", "99999-01-01"),
        ("source", "vip"),
        ("source", ["online"]),
        ("slot", "abc"),
        ("slot", 10**20),
        ("reason", "x" * 301),
        ("reason", "a\x00b"),
    ],
)
def test_bad_input_is_400_per_field(hospital, field, value):
    body = {"doctor": hospital.doctor.id, "date": opd_clock.today().isoformat(), "source": "online"}
    body[field] = value

    response = book(hospital.patient_user, **body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not Token.objects.exists()


def test_unicode_reasons_are_kept(hospital):
    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        reason="सीने में दर्द 💔",
    )

    assert response.status_code == 201
    assert response.json()["reason"] == "सीने में दर्द 💔"


def test_a_blocked_patient_cannot_book_online(hospital):
    blocked = patient_account()
    blocked.patient.booking_blocked = True
    blocked.patient.save(update_fields=["booking_blocked"])

    response = book(
        blocked, doctor=hospital.doctor.id, date=opd_clock.today().isoformat(), source="online"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "patient_blocked"


def test_a_follow_up_without_a_recent_consultation_is_refused(hospital):
    response = book(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="follow_up",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_eligible_for_follow_up"


def test_booking_needs_a_signed_in_user(hospital):
    response = book(
        None, doctor=hospital.doctor.id, date=opd_clock.today().isoformat(), source="online"
    )

    assert response.status_code == 401


def test_booking_is_throttled_per_user(hospital):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "tokens": "1/min"}
    body = {"doctor": hospital.doctor.id, "date": opd_clock.today().isoformat(), "source": "online"}
    with override_settings(REST_FRAMEWORK=rest):
        first = book(hospital.patient_user, **body)
        second = book(hospital.patient_user, **body)
        other_user = book(hospital.other_patient_user, **body)
        listing = signed_in(hospital.patient_user).get(TOKENS)

    assert first.status_code == 201
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "throttled"
    assert int(second["Retry-After"]) > 0
    assert other_user.status_code == 201
    assert listing.status_code == 200


def test_the_front_desk_books_an_emergency_through_tokens_too(hospital):
    response = book(
        hospital.receptionist,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="emergency",
        patient=hospital.patient.id,
        reason="Collapsed in the queue",
    )

    assert response.status_code == 201
    assert response.json()["priority"] == 100
    assert response.json()["allocation"]["outcome"] == "emergency"
    assert [event["kind"] for event in response.json()["history"]] == ["emergency_admitted"]


def _as_read_back(user, created: dict) -> dict:
    """The token as ``GET /tokens/{id}`` shows it to the same user."""
    response = signed_in(user).get(f"{TOKENS}/{created['id']}")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("outcome", ["direct", "moved", "bumped", "emergency"])
def test_the_booking_answer_is_the_token_as_stored(hospital, outcome):
    """The 201 is built from what the engine wrote, without reading it back: it must say
    exactly what a later read of the same token says, whatever the engine did."""
    first = hospital.slots()[0]
    hospital.token(patient=factories.PatientFactory(), slot=first)
    if outcome in ("moved", "bumped"):
        fill(hospital, first, 5)
    body = {"doctor": hospital.doctor.id, "date": opd_clock.today().isoformat(), "slot": first.id}
    user = hospital.patient_user
    if outcome == "emergency":
        user = hospital.receptionist
        body.update(source="emergency", patient=hospital.patient.id, reason="Fainted")
    elif outcome == "bumped":  # paid priority, sold at the desk with its fee
        user = hospital.receptionist
        body.update(source="priority", patient=hospital.patient.id, payment={"method": "card"})
    else:
        body["source"] = "online"

    response = signed_in(user).post(TOKENS, body, format="json")

    assert response.status_code == 201
    created = response.json()
    assert created.pop("allocation")["outcome"] == outcome
    assert created == _as_read_back(user, created)
