"""Refunds: of money actually paid, for tokens cancelled REFUND_CUTOFF_HOURS ahead or by the
hospital; decided and paid back by an administrator other than the one who asked."""

from datetime import timedelta
from decimal import Decimal

import pytest

from scheduling.errors import (
    IllegalTransition,
    RefundDecisionNotAllowed,
    RefundNotEligible,
    RefundRequesterCannotDecide,
)
from scheduling.invariants import check_invariants
from scheduling.models import EventKind, Refund
from scheduling.services.cancellation import (
    cancel_token,
    cancellation_check,
    is_refund_eligible,
    request_refund,
    set_refund_status,
)
from scheduling.services.payments import waive_fee
from scheduling.services.unavailability import cancel_slot
from tests import factories
from tests.scheduling.helpers import at, book, event_count, kinds, make_day, reload, snapshot


@pytest.fixture
def tomorrow(day):
    """Tuesday's 09:00-13:00 for the same doctor; now is Monday 08:00 (25 hours ahead)."""
    return make_day(doctor=day.doctor, on=day.date + timedelta(days=1))


def test_paid_token_cancelled_a_day_ahead_is_refund_eligible(tomorrow, pay):
    token = pay(book(tomorrow, "priority").token)

    check = cancellation_check(token=token)
    cancel_token(token=token)

    assert (check.allowed, check.refund_eligible) == (True, True)
    assert is_refund_eligible(reload(token))


def test_cancelling_exactly_at_the_cutoff_still_refunds(tomorrow, clock, pay):
    token = pay(book(tomorrow, "priority").token)
    clock.set(at(tomorrow.date, 9) - timedelta(hours=24))

    cancel_token(token=token)

    assert is_refund_eligible(reload(token))


def test_paid_token_cancelled_inside_the_cutoff_is_not_refund_eligible(tomorrow, clock, pay):
    token = pay(book(tomorrow, "priority").token)
    clock.set(at(tomorrow.date, 9) - timedelta(hours=23, minutes=59))

    assert cancellation_check(token=token).refund_eligible is False
    cancel_token(token=token)

    assert not is_refund_eligible(reload(token))


def test_refund_cutoff_is_configuration(tomorrow, clock, settings, pay):
    settings.OPD = {**settings.OPD, "REFUND_CUTOFF_HOURS": 2}
    token = pay(book(tomorrow, "priority").token)
    clock.set(at(tomorrow.date, 7))

    cancel_token(token=token)

    assert is_refund_eligible(reload(token))


def test_free_token_is_never_refund_eligible(clock, db):
    day = make_day(on=clock().date() + timedelta(days=2), consultation_fee=Decimal("0"))
    token = book(day, "online").token

    cancel_token(token=token)

    assert not is_refund_eligible(reload(token))


def test_token_cancelled_by_the_hospital_is_refund_eligible_even_at_the_last_minute(
    day, clock, pay
):
    token = pay(book(day, "online", slot=day.slots[3]).token)
    clock.set(at(day.date, 11, 59))

    cancel_slot(slot=day.slots[3])

    token = reload(token)
    assert token.cancelled_by == "hospital"
    assert is_refund_eligible(token)


def test_refund_request_records_amount_and_status(tomorrow, patient_user, pay):
    token = pay(book(tomorrow, "priority", patient=patient_user.patient).token)
    cancel_token(token=token, actor=patient_user)
    events = event_count()

    refund = request_refund(token=reload(token), actor=patient_user, reason="Travel")

    assert refund.amount == Decimal("500.00")
    assert refund.status == Refund.Status.REQUESTED
    assert refund.requested_by == patient_user
    assert event_count() == events + 1
    assert kinds(token)[-1] == EventKind.REFUND_REQUESTED
    assert not is_refund_eligible(reload(token))  # only once


def test_refund_request_for_an_ineligible_token_is_refused_with_409(day, pay):
    token = pay(book(day, "priority").token)
    cancel_token(token=token)  # less than 24 hours ahead

    before = snapshot()
    with pytest.raises(RefundNotEligible) as raised:
        request_refund(token=reload(token))

    assert (raised.value.code, raised.value.status) == ("refund_not_eligible", 409)
    assert snapshot() == before


def test_refund_request_for_an_active_token_is_refused(tomorrow, pay):
    with pytest.raises(RefundNotEligible):
        request_refund(token=pay(book(tomorrow, "priority").token))


def test_second_refund_request_is_refused(tomorrow, pay):
    token = pay(book(tomorrow, "priority").token)
    cancel_token(token=token)
    request_refund(token=reload(token))

    with pytest.raises(RefundNotEligible):
        request_refund(token=reload(token))
    assert Refund.objects.count() == 1


@pytest.fixture
def refund(tomorrow, pay):
    token = pay(book(tomorrow, "priority").token)
    cancel_token(token=token)
    return request_refund(token=reload(token))


def test_refund_is_approved_then_paid(refund, admin_user):
    set_refund_status(refund=refund, status="approved", actor=admin_user)
    assert (refund.status, refund.decided_by) == ("approved", admin_user)
    assert refund.decided_at is not None

    set_refund_status(refund=refund, status="paid", actor=admin_user)
    assert refund.status == "paid"
    assert refund.paid_at is not None


def test_refund_can_be_rejected(refund, admin_user):
    set_refund_status(refund=refund, status="rejected", actor=admin_user)

    assert refund.status == "rejected"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "paid"),  # requested -> paid skips approval
        (["rejected"], "paid"),
        (["rejected"], "approved"),
        (["approved"], "rejected"),
        (["approved", "paid"], "approved"),
        (["approved"], "approved"),
        ([], "requested"),
        ([], "refunded"),
    ],
)
def test_illegal_refund_status_changes_are_refused(refund, admin_user, path, refused):
    for status in path:
        set_refund_status(refund=refund, status=status, actor=admin_user)
    state = refund.status

    with pytest.raises(IllegalTransition):
        set_refund_status(refund=refund, status=refused, actor=admin_user)

    refund.refresh_from_db()
    assert refund.status == state


# Refunds are of money actually paid.


def test_an_unpaid_token_is_not_promised_a_refund(tomorrow):
    token = book(tomorrow, "priority").token  # a fee of 500.00, never taken

    check = cancellation_check(token=token)

    assert (check.allowed, check.refund_eligible) == (True, False)
    assert check.reason == "Can be cancelled; no fee was paid."


def test_an_unpaid_token_has_nothing_to_refund(tomorrow):
    token = book(tomorrow, "priority").token
    cancel_token(token=token)

    before = snapshot()
    with pytest.raises(RefundNotEligible) as raised:
        request_refund(token=reload(token))

    assert (raised.value.code, raised.value.status) == ("refund_not_eligible", 409)
    assert raised.value.message == "Nothing was paid for this token, so there is nothing to refund."
    assert raised.value.details == {"payment_state": "unpaid", "paid": "0.00"}
    assert snapshot() == before


def test_a_waived_fee_is_not_refunded(tomorrow, admin_user):
    token = book(tomorrow, "priority").token
    waive_fee(token=token, reason="Hospital staff family", actor=admin_user)
    cancel_token(token=token)

    with pytest.raises(RefundNotEligible):
        request_refund(token=reload(token))
    assert not Refund.objects.exists()


def test_the_refund_is_what_was_paid_for_that_token(tomorrow, pay):
    token = pay(book(tomorrow, "priority").token, method="upi", reference="UPI-77")
    cancel_token(token=token)

    refund = request_refund(token=reload(token))

    assert refund.amount == token.payment.amount == Decimal("500.00")


# Who decides a refund.


def test_a_receptionist_cannot_approve_or_pay_a_refund(refund, receptionist):
    for status in ("approved", "rejected"):
        with pytest.raises(RefundDecisionNotAllowed) as raised:
            set_refund_status(refund=refund, status=status, actor=receptionist)
        assert (raised.value.code, raised.value.status) == ("refund_needs_admin", 403)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED


def test_the_administrator_who_asked_for_a_refund_does_not_decide_it(tomorrow, pay, admin_user):
    token = pay(book(tomorrow, "priority").token)
    cancel_token(token=token, actor=admin_user, reason="Patient phoned")
    refund = request_refund(token=reload(token), actor=admin_user, reason="Patient phoned")

    with pytest.raises(RefundRequesterCannotDecide) as raised:
        set_refund_status(refund=refund, status="approved", actor=admin_user)

    assert (raised.value.code, raised.value.status) == ("refund_own_request", 403)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED
    another = factories.UserFactory(role="admin")
    set_refund_status(refund=refund, status="approved", actor=another)
    assert (refund.status, refund.decided_by) == ("approved", another)


def test_paying_a_refund_back_marks_the_token_refunded(refund, admin_user):
    set_refund_status(refund=refund, status="approved", actor=admin_user, note="Checked")
    set_refund_status(refund=refund, status="paid", actor=admin_user)

    token = reload(refund.token)
    assert token.payment_state == "refunded"
    assert refund.paid_by == admin_user
    assert kinds(token)[-3:] == ["refund_requested", "refund_approved", "refund_paid"]
    assert check_invariants() == []


def test_a_refund_recorded_for_an_unpaid_token_is_never_paid_out(tomorrow, admin_user, clock):
    token = book(tomorrow, "priority").token
    cancel_token(token=token)
    # What the old code recorded: a refund of the fee, though nothing was ever taken.
    refund = Refund.objects.create(token=token, amount=token.fee, requested_at=clock.at)

    assert check_invariants() == [
        f"{token.doctor_day.doctor.token_prefix} {tomorrow.date}: token {token.number} has a "
        "refund of 500.00 but nothing was paid"
    ]
    with pytest.raises(RefundNotEligible):
        set_refund_status(refund=refund, status="approved", actor=admin_user)
    set_refund_status(refund=refund, status="rejected", actor=admin_user)
    assert reload(token).payment_state == "unpaid"
