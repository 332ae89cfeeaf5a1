"""Cancellations and refunds: who may cancel when, which cancellations are refunded, and who
decides a refund.

Refunds are of money actually paid (allocation.md, Payments): an unpaid or waived token has
nothing to refund, and the amount is what was paid. Approving, rejecting and paying a refund is
an administrator's act, never the act of the person who requested it.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.translation import gettext

from accounts.roles import Act, may
from opd_site import clock
from scheduling import policy
from scheduling.errors import (
    CancellationNotAllowed,
    IllegalTransition,
    RefundDecisionNotAllowed,
    RefundNotEligible,
    RefundRequesterCannotDecide,
)
from scheduling.events import record_event
from scheduling.models import (
    CancelledBy,
    DoctorDay,
    EventKind,
    PaymentState,
    Refund,
    Token,
    TokenStatus,
)
from scheduling.services.payments import amount_paid
from scheduling.services.seats import DaySeats
from scheduling.services.statuses import ensure_transition, token_locked
from scheduling.services.waiting_list import promote_waiting

CANCELLABLE = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN)


@dataclass(frozen=True)
class CancellationCheck:
    allowed: bool
    refund_eligible: bool
    reason: str


def _is_staff(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_front_desk", False))


def refund_cutoff(token: Token):
    return token.slot.start - timedelta(hours=policy.refund_cutoff_hours())


def is_paid(token: Token) -> bool:
    """Money was taken for the token and not given back."""
    return token.payment_state == PaymentState.PAID and amount_paid(token) > 0


def is_refund_eligible(token: Token) -> bool:
    """A paid token cancelled early enough, or cancelled by the hospital, with no refund yet."""
    if not is_paid(token) or token.status != TokenStatus.CANCELLED or has_refund(token):
        return False
    return token.cancelled_by == CancelledBy.HOSPITAL or token.cancelled_at <= refund_cutoff(token)


def has_refund(token: Token) -> bool:
    return Refund.objects.filter(token=token).exists()


def cancellation_check(*, token: Token, actor=None) -> CancellationCheck:
    """May this actor cancel the token now, and would the cancellation be refunded?"""
    now = clock.now()
    if token.status == TokenStatus.CANCELLED:
        eligible = is_refund_eligible(token)
        why = "Already cancelled; a refund can be requested." if eligible else "Already cancelled."
        return CancellationCheck(False, eligible, why)
    if token.status not in CANCELLABLE:
        return CancellationCheck(
            False, False, f"A {token.get_status_display().lower()} token cannot be cancelled."
        )
    if not _is_staff(actor) and now >= token.slot.start:
        return CancellationCheck(
            False, False, "The slot has started; please speak to the OPD desk."
        )
    paid = is_paid(token)
    early = now <= refund_cutoff(token)
    if not paid:
        why = "Can be cancelled; no fee was paid."
    elif early:
        why = f"Can be cancelled with a refund of {amount_paid(token)}."
    else:
        hours = policy.refund_cutoff_hours()
        why = f"Can be cancelled, but less than {hours} hours remain: no refund."
    return CancellationCheck(True, paid and early, why)


@dataclass(frozen=True)
class Cancellation:
    """A cancelled token and the tokens the freed seat gave to waiting patients (none when
    nobody who could take it was waiting: the seat is then free)."""

    token: Token
    promoted: list[Token] = field(default_factory=list)


def cancel_token(*, token: Token, actor=None, reason: str = "") -> Token:
    """Cancel a token, free its seat and promote from the waiting list, in one transaction."""
    return cancel_and_promote(token=token, actor=actor, reason=reason).token


def cancel_and_promote(*, token: Token, actor=None, reason: str = "") -> Cancellation:
    """``cancel_token``, answering also whom the waiting list seated."""
    with token_locked(token) as (doctor_day, token):
        check = cancellation_check(token=token, actor=actor)
        if not check.allowed:
            if token.status not in CANCELLABLE:
                ensure_transition(token, TokenStatus.CANCELLED)
            raise CancellationNotAllowed(check.reason)
        who = CancelledBy.STAFF if _is_staff(actor) else CancelledBy.PATIENT
        cancel_locked(doctor_day=doctor_day, token=token, by=who, actor=actor, reason=reason)
        promoted = promote_waiting(
            seats=DaySeats(doctor_day), actor=actor, reason="A seat was freed by a cancellation."
        )
        return Cancellation(token=token, promoted=promoted)


def cancel_locked(*, doctor_day: DoctorDay, token: Token, by: str, actor, reason: str) -> Token:
    """Mark a token cancelled, with its event (the caller holds the lock and promotes)."""
    ensure_transition(token, TokenStatus.CANCELLED)
    token.status = TokenStatus.CANCELLED
    token.cancelled_at = clock.now()
    token.cancelled_by = by
    token.cancellation_reason = reason[:300]
    token.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason"])
    record_event(
        kind=EventKind.CANCELLED,
        doctor_day=doctor_day,
        token=token,
        from_slot=token.slot,
        actor=actor,
        reason=reason or f"Cancelled by the {CancelledBy(by).label.lower()}.",
    )
    return token


def request_refund(*, token: Token, actor=None, reason: str = "") -> Refund:
    """Record a refund request, of what was paid, for an eligible cancelled token."""
    with token_locked(token) as (doctor_day, token):
        if not is_paid(token):
            raise RefundNotEligible(
                gettext("Nothing was paid for this token, so there is nothing to refund."),
                details={"payment_state": token.payment_state, "paid": str(amount_paid(token))},
            )
        if not is_refund_eligible(token):
            raise RefundNotEligible(
                gettext(
                    "Refunds are for paid tokens cancelled at least %(hours)s hours before the "
                    "slot, or cancelled by the hospital, and only once."
                )
                % {"hours": policy.refund_cutoff_hours()},
            )
        refund = Refund.objects.create(
            token=token,
            amount=amount_paid(token),
            reason=reason[:300],
            requested_by=actor if actor is not None and actor.is_authenticated else None,
            requested_at=clock.now(),
        )
        record_event(
            kind=EventKind.REFUND_REQUESTED,
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=f"Refund of {refund.amount} requested.",
        )
        return refund


REFUND_MOVES = {
    Refund.Status.APPROVED: (Refund.Status.REQUESTED,),
    Refund.Status.REJECTED: (Refund.Status.REQUESTED,),
    Refund.Status.PAID: (Refund.Status.APPROVED,),
}
REFUND_EVENTS = {
    Refund.Status.APPROVED: EventKind.REFUND_APPROVED,
    Refund.Status.REJECTED: EventKind.REFUND_REJECTED,
    Refund.Status.PAID: EventKind.REFUND_PAID,
}


def ensure_may_decide_refund(*, refund: Refund, actor) -> None:
    """An administrator decides, and never the person who requested the refund."""
    if not may(actor, Act.DECIDE_REFUND):
        raise RefundDecisionNotAllowed()
    if refund.requested_by_id is not None and refund.requested_by_id == actor.pk:
        raise RefundRequesterCannotDecide(
            gettext("You requested this refund: another administrator approves or pays it."),
            details={"requested_by": refund.requested_by_id},
        )


def set_refund_status(*, refund: Refund, status: str, actor=None, note: str = "") -> Refund:
    """Approve, reject or mark paid, under the token's doctor-day lock (two administrators
    cannot both decide). Paying it back turns the token's payment ``refunded``; a refund never
    exceeds what was paid."""
    allowed_from = REFUND_MOVES.get(status)
    if allowed_from is None:
        raise IllegalTransition(
            gettext("A refund cannot be set to %(status)s.") % {"status": repr(status)}
        )
    ensure_may_decide_refund(refund=refund, actor=actor)
    with token_locked(refund.token) as (doctor_day, token):
        refund.refresh_from_db()
        if refund.status not in allowed_from:
            raise IllegalTransition(
                gettext("A %(current)s refund cannot become %(requested)s.")
                % {
                    "current": refund.get_status_display().lower(),
                    "requested": Refund.Status(status).label.lower(),
                },
                details={"status": refund.status, "allowed_from": list(allowed_from)},
            )
        paid = amount_paid(token)
        if status != Refund.Status.REJECTED and (not is_paid(token) or refund.amount > paid):
            raise RefundNotEligible(
                gettext("Only money paid is refunded: %(paid)s was paid for this token.")
                % {"paid": paid},
                details={"payment_state": token.payment_state, "paid": str(paid)},
            )
        now = clock.now()
        if status == Refund.Status.PAID:
            refund.paid_at, refund.paid_by = now, actor
            fields = ["status", "paid_at", "paid_by"]
            token.payment_state = PaymentState.REFUNDED
            token.save(update_fields=["payment_state"])
        else:
            refund.decided_at, refund.decided_by = now, actor
            fields = ["status", "decided_at", "decided_by"]
        refund.status = status
        refund.save(update_fields=fields)
        decided = f"Refund of {refund.amount} {Refund.Status(status).label.lower()}."
        record_event(
            kind=REFUND_EVENTS[status],
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=f"{decided} {note}".strip(),
        )
        return refund
