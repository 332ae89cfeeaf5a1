"""Payments through the API: every token says what its fee stands at; the desk takes it (with
the booking or later), an administrator waives it, priority is sold not self-assigned (402),
and the day's collection is read per desk user and method."""

from decimal import Decimal

import pytest

from opd_site import clock as opd_clock
from scheduling.models import Payment, Source, Token
from tests import factories
from tests.fixtures.api import signed_in, tomorrow

TOKENS = "/api/v1/tokens"


def full_first_slot(hospital):
    """09:00 holds six online tokens: a priority token there would bump one of them."""
    first = hospital.slots()[0]
    for _ in range(6):
        hospital.token(patient=factories.PatientFactory(), slot=first)
    return first


def priority_request(hospital, **extra):
    return {
        "doctor": hospital.doctor.id,
        "date": opd_clock.today().isoformat(),
        "source": "priority",
        "slot": hospital.slots()[0].id,
        **extra,
    }


# Paid priority is sold, not self-assigned.


def test_a_patient_asking_for_priority_gets_402_with_the_fee_and_bumps_nobody(hospital):
    full_first_slot(hospital)

    response = signed_in(hospital.patient_user).post(
        TOKENS, priority_request(hospital), format="json"
    )

    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "payment_required"
    assert error["details"] == {"fee": "500.00"}
    assert error["message"] == (
        "Priority tokens are sold at the OPD desk, where the fee of 500.00 is taken; online "
        "payment is not available. Book an online token, or come to the desk."
    )
    assert not Token.objects.filter(patient=hospital.patient).exists()
    assert Token.objects.filter(original_slot__isnull=False).count() == 0  # nobody was bumped


def test_a_patient_cannot_pay_for_priority_online_without_a_provider(hospital):
    response = signed_in(hospital.patient_user).post(
        TOKENS,
        priority_request(hospital, payment={"method": "online", "reference": "pay_1"}),
        format="json",
    )

    assert response.status_code == 402
    assert "sold at the OPD desk" in response.json()["error"]["message"]


def test_with_a_provider_a_confirmed_online_payment_buys_priority(hospital, settings):
    settings.OPD = {
        **settings.OPD,
        "ONLINE_PAYMENT_PROVIDER": "tests.scheduling.services.test_payments.confirm_everything",
    }

    response = signed_in(hospital.patient_user).post(
        TOKENS,
        priority_request(hospital, payment={"method": "online", "reference": "pay_42"}),
        format="json",
    )

    assert response.status_code == 201, response.content
    payment = response.json()["payment"]
    assert payment["state"] == "paid"
    assert (payment["method"], payment["reference"], payment["taken_by"]) == (
        "online",
        "pay_42",
        None,
    )
    assert (payment["paid"], payment["owed"]) == ("500.00", "0.00")


def test_a_patient_blocked_for_no_shows_cannot_book_priority_instead(hospital):
    patient = hospital.patient
    patient.booking_blocked = True
    patient.save(update_fields=["booking_blocked"])

    response = signed_in(hospital.patient_user).post(
        TOKENS, priority_request(hospital), format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "patient_blocked"


def test_the_desk_sells_priority_taking_the_fee_with_the_booking(hospital):
    full_first_slot(hospital)

    response = signed_in(hospital.receptionist).post(
        TOKENS,
        priority_request(
            hospital,
            patient=hospital.patient.id,
            payment={"method": "upi", "reference": "UPI-20260302-8841"},
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["allocation"]["outcome"] == "bumped"
    assert body["payment"]["state"] == "paid"
    assert body["payment"]["taken_by"]["id"] == hospital.receptionist.id
    assert [event["kind"] for event in body["history"]] == ["booked", "payment_taken"]
    payment = Payment.objects.get(token_id=body["id"])
    assert (payment.amount, payment.method, payment.reference) == (
        Decimal("500.00"),
        "upi",
        "UPI-20260302-8841",
    )


def test_a_desk_booking_without_payment_shows_the_fee_as_owed(hospital):
    response = signed_in(hospital.receptionist).post(
        TOKENS, priority_request(hospital, patient=hospital.patient.id), format="json"
    )

    assert response.status_code == 201
    assert response.json()["payment"] == {
        "state": "unpaid",
        "fee": "500.00",
        "paid": "0.00",
        "owed": "500.00",
        "method": None,
        "reference": None,
        "taken_by": None,
        "taken_at": None,
        "waived_by": None,
        "waived_at": None,
        "waiver_reason": None,
    }


# Every token carries its payment.


def test_lists_and_details_carry_the_payment(hospital):
    hospital.token(fee=Decimal("300.00"))

    listed = signed_in(hospital.patient_user).get(TOKENS).json()["results"][0]
    detail = signed_in(hospital.patient_user).get(f"{TOKENS}/{listed['id']}").json()

    assert listed["payment"]["owed"] == "300.00"
    assert detail["payment"] == listed["payment"]


# Taking the fee later.


def pay(client, token, **body):
    return client.post(f"{TOKENS}/{token.id}/payments", body, format="json")


def test_the_desk_takes_the_fee_owed(hospital, clock):
    token = hospital.token(fee=Decimal("300.00"))
    desk = signed_in(hospital.receptionist)

    response = pay(desk, token, amount="300.00", method="cash", reference="R-0042")

    assert response.status_code == 201
    assert response.json()["state"] == "paid"
    assert response.json()["owed"] == "0.00"
    assert response.json()["taken_by"]["name"] == hospital.receptionist.name
    token_now = signed_in(hospital.patient_user).get(f"{TOKENS}/{token.id}").json()
    assert token_now["payment"]["reference"] == "R-0042"
    assert token_now["history"][-1]["kind"] == "payment_taken"


def test_a_payment_must_be_exactly_what_is_owed(hospital):
    token = hospital.token(fee=Decimal("300.00"))

    response = pay(signed_in(hospital.receptionist), token, amount="200.00", method="card")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "amount_not_owed"
    assert response.json()["error"]["details"] == {"owed": "300.00", "amount": "200.00"}
    assert not Payment.objects.exists()


def test_nothing_owed_answers_409(hospital):
    token = hospital.token(fee=Decimal("300.00"))
    desk = signed_in(hospital.receptionist)
    pay(desk, token, amount="300.00", method="cash")

    again = pay(desk, token, amount="300.00", method="cash")
    free = pay(desk, hospital.token(patient=hospital.other_patient), amount="0", method="cash")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "nothing_owed"
    assert free.status_code == 409
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("who", ["patient_user", "doctor"])
def test_patients_and_doctors_do_not_take_payments(hospital, who):
    token = hospital.token(fee=Decimal("300.00"))
    user = hospital.patient_user if who == "patient_user" else hospital.doctor.user

    response = pay(signed_in(user), token, amount="300.00", method="cash")

    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_an_administrator_waives_a_fee_and_a_receptionist_may_not(hospital):
    token = hospital.token(fee=Decimal("300.00"))
    path = f"{TOKENS}/{token.id}/waive"

    refused = signed_in(hospital.receptionist).post(path, {"reason": "Kind"}, format="json")
    waived = signed_in(hospital.admin).post(path, {"reason": "Staff family"}, format="json")

    assert refused.status_code == 403
    assert waived.status_code == 200
    assert waived.json()["state"] == "waived"
    assert waived.json()["owed"] == "0.00"
    assert waived.json()["waiver_reason"] == "Staff family"
    assert waived.json()["waived_by"]["id"] == hospital.admin.id


# The day's collection.


def collection(user, **query):
    return signed_in(user).get("/api/v1/payments/collection", query)


def test_the_days_collection_per_desk_user_and_method(hospital):
    other_desk = factories.UserFactory(role="receptionist")
    for desk, method in ((hospital.receptionist, "cash"), (other_desk, "upi")):
        token = hospital.token(patient=factories.PatientFactory(), fee=Decimal("300.00"))
        assert pay(signed_in(desk), token, amount="300.00", method=method).status_code == 201

    everyone = collection(hospital.admin).json()
    own = collection(hospital.receptionist).json()
    chosen = collection(hospital.admin, taken_by=other_desk.id).json()

    assert everyone["date"] == opd_clock.today().isoformat()
    assert everyone["taken"] == {"count": 2, "amount": "600.00"}
    assert everyone["net"] == "600.00"
    assert {row["method"]: row["amount"] for row in everyone["methods"]} == {
        "cash": "300.00",
        "upi": "300.00",
        "card": "0.00",
        "online": "0.00",
    }
    assert {desk["user"]["id"] for desk in everyone["desks"]} == {
        hospital.receptionist.id,
        other_desk.id,
    }
    assert [desk["user"]["id"] for desk in own["desks"]] == [hospital.receptionist.id]
    assert own["taken"] == {"count": 1, "amount": "300.00"}
    assert chosen["taken_by"]["id"] == other_desk.id
    assert chosen["taken"]["amount"] == "300.00"


def test_a_receptionist_may_not_read_another_desks_collection(hospital):
    other_desk = factories.UserFactory(role="receptionist")

    response = collection(hospital.receptionist, taken_by=other_desk.id)

    assert response.status_code == 403


def test_another_days_collection(hospital):
    token = hospital.token(fee=Decimal("300.00"))
    pay(signed_in(hospital.receptionist), token, amount="300.00", method="cash")

    response = collection(hospital.admin, date=tomorrow().isoformat())

    assert response.status_code == 200
    assert response.json()["taken"] == {"count": 0, "amount": "0.00"}
    assert collection(hospital.admin, date="soon").status_code == 400
    assert collection(hospital.admin, taken_by=hospital.patient_user.id).status_code == 400


def test_an_emergency_carries_no_fee_to_pay(hospital):
    response = signed_in(hospital.receptionist).post(
        TOKENS,
        {
            "doctor": hospital.doctor.id,
            "date": opd_clock.today().isoformat(),
            "source": Source.EMERGENCY,
            "patient": hospital.patient.id,
            "payment": {"method": "cash"},
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_owed"
