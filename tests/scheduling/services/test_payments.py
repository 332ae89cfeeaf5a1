"""Payments: fees are collected, not assumed. The desk takes exactly what is owed (at issue or
later), an administrator may waive it, a patient's own priority request is refused with the fee
unless paid online, and the day's collection adds it all up per desk user and method."""

from datetime import timedelta
from decimal import Decimal

import pytest

from opd_site.errors import InvalidRequest
from scheduling.errors import (
    AmountNotOwed,
    NothingOwed,
    PaymentNotAllowed,
    PaymentRequired,
    WaiverNotAllowed,
)
from scheduling.invariants import check_invariants
from scheduling.models import Payment, Source, TokenStatus
from scheduling.services.cancellation import cancel_token, request_refund, set_refund_status
from scheduling.services.payments import (
    PaymentIntent,
    amount_owed,
    day_collection,
    payment_summary,
    take_payment,
    waive_fee,
)
from scheduling.services.requests import request_token
from tests import factories
from tests.scheduling.helpers import book, fill, kinds, make_day, new_patient, reload, snapshot

CONFIRMED = []


def confirm_everything(*, reference, amount, patient):
    """A stand-in online payment provider that confirms every payment (and remembers it)."""
    CONFIRMED.append((reference, amount, patient.pk))
    return not reference.startswith("bad")


@pytest.fixture
def online_payments(settings):
    settings.OPD = {
        **settings.OPD,
        "ONLINE_PAYMENT_PROVIDER": "tests.scheduling.services.test_payments.confirm_everything",
    }
    CONFIRMED.clear()
    yield CONFIRMED
    CONFIRMED.clear()


@pytest.fixture
def patient_account(db):
    user = factories.UserFactory(role="patient")
    factories.PatientFactory(user=user, name=user.name)
    return user


# What a token owes ---------------------------------------------------------------------------


def test_a_token_owes_its_fee_until_the_desk_takes_it(day, receptionist, clock):
    token = book(day, "priority", actor=receptionist).token

    assert (token.payment_state, amount_owed(token)) == ("unpaid", Decimal("500.00"))
    token = take_payment(
        token=token, amount=Decimal("500.00"), method="upi", reference="UPI-881", actor=receptionist
    )

    summary = payment_summary(reload(token))
    assert (summary.state, summary.fee, summary.paid, summary.owed) == (
        "paid",
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("0.00"),
    )
    assert (summary.method, summary.reference, summary.taken_by) == ("upi", "UPI-881", receptionist)
    assert summary.taken_at == clock.at
    assert kinds(token) == ["booked", "payment_taken"]
    assert token.events.last().reason == "Paid 500.00 by UPI, receipt UPI-881."


def test_a_fee_of_nothing_is_nothing_owed(day, receptionist):
    free = make_day(doctor=factories.DoctorFactory(), consultation_fee=Decimal("0"))
    token = book(free, "walk_in", actor=receptionist).token

    assert amount_owed(token) == 0
    with pytest.raises(NothingOwed) as raised:
        take_payment(token=token, amount=Decimal("0"), method="cash", actor=receptionist)
    assert (raised.value.code, raised.value.status) == ("nothing_owed", 409)


def test_the_desk_takes_exactly_what_is_owed(day, receptionist):
    token = book(day, "priority", actor=receptionist).token
    before = snapshot()

    with pytest.raises(AmountNotOwed) as raised:
        take_payment(token=token, amount=Decimal("300.00"), method="cash", actor=receptionist)

    assert (raised.value.code, raised.value.status) == ("amount_not_owed", 400)
    assert raised.value.details == {"owed": "500.00", "amount": "300.00"}
    assert snapshot() == before
    assert not Payment.objects.exists()


def test_a_paid_token_owes_nothing_more(day, receptionist, pay):
    token = pay(book(day, "walk_in", actor=receptionist).token)

    with pytest.raises(NothingOwed) as raised:
        take_payment(token=token, amount=token.fee, method="cash", actor=receptionist)

    assert raised.value.message == "Nothing is owed: the fee is paid."
    assert Payment.objects.count() == 1


def test_a_cancelled_token_owes_nothing(day, receptionist):
    token = book(day, "walk_in", actor=receptionist).token
    cancel_token(token=token, actor=receptionist, reason="Left")

    with pytest.raises(NothingOwed):
        take_payment(token=reload(token), amount=token.fee, method="cash", actor=receptionist)


@pytest.mark.parametrize("role", ["patient", "doctor"])
def test_only_the_front_desk_takes_payments(day, role):
    token = book(day, "walk_in").token

    with pytest.raises(PaymentNotAllowed) as raised:
        take_payment(
            token=token, amount=token.fee, method="cash", actor=factories.UserFactory(role=role)
        )

    assert raised.value.status == 403
    assert reload(token).payment_state == "unpaid"


# Waiving the fee -----------------------------------------------------------------------------


def test_an_administrator_waives_the_fee_owed_saying_why(day, admin_user, clock):
    token = book(day, "priority").token

    waive_fee(token=token, reason="Hospital staff family", actor=admin_user)

    summary = payment_summary(reload(token))
    assert (summary.state, summary.owed, summary.paid) == ("waived", 0, 0)
    assert (summary.waived_by, summary.waived_at, summary.waiver_reason) == (
        admin_user,
        clock.at,
        "Hospital staff family",
    )
    assert kinds(token)[-1] == "fee_waived"


def test_a_receptionist_cannot_waive_a_fee(day, receptionist):
    token = book(day, "priority").token

    with pytest.raises(WaiverNotAllowed):
        waive_fee(token=token, reason="Kind heart", actor=receptionist)

    assert reload(token).payment_state == "unpaid"


# A booking that carries its payment ------------------------------------------------------------


def sell_priority(day, actor, patient=None):
    """The desk issues a priority token and takes its fee with it."""
    return request_token(
        doctor=day.doctor,
        day=day.date,
        source=Source.PRIORITY,
        patient=patient or new_patient(),
        actor=actor,
        payment=PaymentIntent(method="cash", reference="R-77"),
    )


def test_the_desk_sells_priority_with_its_fee_in_the_same_act(day, receptionist):
    fill(day.slots[0], 2, day=day)  # the 09:00 slot is full of online tokens

    allocation = sell_priority(day, receptionist)

    assert allocation.outcome == "bumped"
    token = reload(allocation.token)
    assert token.slot == day.slots[0]
    summary = payment_summary(token)
    assert (summary.state, summary.paid, summary.reference, summary.taken_by) == (
        "paid",
        Decimal("500.00"),
        "R-77",
        receptionist,
    )
    assert kinds(token) == ["booked", "payment_taken"]


def test_a_booking_whose_payment_is_refused_books_nothing(day, receptionist, clock):
    """The payment is recorded in the booking's transaction: refused, the seat is not taken."""
    patient = new_patient()
    earlier = make_day(doctor=day.doctor, on=day.date - timedelta(days=3))
    factories.TokenFactory(  # a consultation three days ago: a follow-up is free
        slot=earlier.slots[0],
        patient=patient,
        status=TokenStatus.COMPLETED,
        completed_at=clock.at - timedelta(days=3),
    )
    before = snapshot()

    with pytest.raises(NothingOwed):  # an eligible follow-up carries no fee
        request_token(
            doctor=day.doctor,
            day=day.date,
            source=Source.FOLLOW_UP,
            patient=patient,
            actor=receptionist,
            payment=PaymentIntent(method="cash"),
        )

    assert snapshot() == before


def test_a_waitlisted_request_takes_no_payment(receptionist, clock, db):
    small = make_day(hours=(9,), capacity=1, emergency_reserve=0)
    book(small, "walk_in")

    allocation = sell_priority(small, receptionist)

    assert allocation.waitlisted
    assert not Payment.objects.exists()


def test_nobody_but_the_desk_records_a_payment_with_a_booking(day):
    with pytest.raises(PaymentNotAllowed):
        sell_priority(day, None)
    assert not Payment.objects.exists()


# Paid priority is sold, not self-assigned ----------------------------------------------------


def test_a_patient_asking_for_priority_for_themselves_is_told_the_fee_and_the_desk(
    day, patient_account
):
    fill(day.slots[0], 2, day=day)  # a full slot a self-assigned priority would bump into
    before = snapshot()

    with pytest.raises(PaymentRequired) as raised:
        book(
            day,
            "priority",
            slot=day.slots[0],
            patient=patient_account.patient,
            actor=patient_account,
        )

    assert (raised.value.code, raised.value.status) == ("payment_required", 402)
    assert raised.value.details == {"fee": "500.00"}
    assert "Priority tokens are sold at the OPD desk" in raised.value.message
    assert snapshot() == before


def test_with_a_provider_a_confirmed_online_payment_buys_priority(
    day, patient_account, online_payments
):
    allocation = request_token(
        doctor=day.doctor,
        day=day.date,
        source=Source.PRIORITY,
        patient=patient_account.patient,
        actor=patient_account,
        payment=PaymentIntent(method="online", reference="pay_123"),
    )

    token = reload(allocation.token)
    assert online_payments == [("pay_123", Decimal("500.00"), patient_account.patient.pk)]
    summary = payment_summary(token)
    assert (summary.state, summary.method, summary.reference, summary.taken_by) == (
        "paid",
        "online",
        "pay_123",
        None,
    )


def test_an_online_payment_the_provider_does_not_confirm_buys_nothing(
    day, patient_account, online_payments
):
    before = snapshot()
    with pytest.raises(PaymentRequired) as raised:
        request_token(
            doctor=day.doctor,
            day=day.date,
            source=Source.PRIORITY,
            patient=patient_account.patient,
            actor=patient_account,
            payment=PaymentIntent(method="online", reference="bad-1"),
        )

    assert "could not be confirmed" in raised.value.message
    assert snapshot() == before


def test_a_patient_pays_only_online(day, patient_account, online_payments):
    with pytest.raises(InvalidRequest):
        request_token(
            doctor=day.doctor,
            day=day.date,
            source=Source.ONLINE,
            patient=patient_account.patient,
            actor=patient_account,
            payment=PaymentIntent(method="cash", reference="R-1"),
        )


# The day's collection ------------------------------------------------------------------------


def test_the_days_collection_per_desk_user_and_method_with_refunds_and_net(
    clock, db, receptionist, admin_user
):
    other_desk = factories.UserFactory(role="receptionist", name="Zoya Desk")
    today = make_day()
    tomorrow = make_day(doctor=today.doctor, on=today.date + timedelta(days=2))
    taken = [
        (book(today, "walk_in").token, receptionist, "cash"),
        (book(today, "walk_in").token, receptionist, "upi"),
        (book(today, "priority").token, receptionist, "cash"),
        (book(tomorrow, "priority").token, other_desk, "card"),
    ]
    for token, desk, method in taken:
        take_payment(token=token, amount=token.fee, method=method, actor=desk)
    refunded = reload(taken[3][0])
    cancel_token(token=refunded, actor=other_desk, reason="Travel")
    refund = request_refund(token=reload(refunded), actor=other_desk)
    set_refund_status(refund=refund, status="approved", actor=admin_user)
    set_refund_status(refund=refund, status="paid", actor=admin_user)

    everyone = day_collection(day=clock().date(), viewer=admin_user)

    lines = {
        (desk.user.name if desk.user else None): (
            {method: (money.count, money.amount) for method, money in desk.methods.items()},
            (desk.refunds_paid.count, desk.refunds_paid.amount),
            desk.net,
        )
        for desk in everyone.desks
    }
    assert lines == {
        receptionist.name: (
            {
                "cash": (2, Decimal("800.00")),
                "upi": (1, Decimal("300.00")),
                "card": (0, Decimal("0.00")),
                "online": (0, Decimal("0.00")),
            },
            (0, Decimal("0.00")),
            Decimal("1100.00"),
        ),
        "Zoya Desk": (
            {
                "cash": (0, Decimal("0.00")),
                "upi": (0, Decimal("0.00")),
                "card": (1, Decimal("500.00")),
                "online": (0, Decimal("0.00")),
            },
            (0, Decimal("0.00")),
            Decimal("500.00"),
        ),
        admin_user.name: (
            {m: (0, Decimal("0.00")) for m in ("cash", "upi", "card", "online")},
            (1, Decimal("500.00")),
            Decimal("-500.00"),
        ),
    }
    assert (everyone.taken.count, everyone.taken.amount) == (4, Decimal("1600.00"))
    assert everyone.refunds_paid.amount == Decimal("500.00")
    assert everyone.net == Decimal("1100.00")
    assert check_invariants() == []


def test_a_receptionist_sees_their_own_collection_only(clock, db, receptionist, admin_user):
    other_desk = factories.UserFactory(role="receptionist")
    today = make_day()
    token = book(today, "walk_in").token
    take_payment(token=token, amount=token.fee, method="cash", actor=other_desk)

    own = day_collection(day=clock().date(), viewer=receptionist)

    assert [desk.user for desk in own.desks] == [receptionist]
    assert own.taken.amount == 0
    with pytest.raises(PaymentNotAllowed):
        day_collection(day=clock().date(), viewer=receptionist, taken_by=other_desk)
    assert day_collection(day=clock().date(), viewer=admin_user, taken_by=other_desk).taken.amount
    with pytest.raises(PaymentNotAllowed):
        day_collection(day=clock().date(), viewer=factories.UserFactory(role="doctor"))
