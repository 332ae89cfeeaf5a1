"""Payments (allocation.md, Payments): what a token owes, taking the fee at the desk or online,
waiving it, and the day's collection that the cashier reconciles.

Fees are collected, not assumed: a token is ``unpaid`` until the desk records the money (or a
patient's online payment is confirmed), ``waived`` when an administrator says so, and
``refunded`` once a refund of what was paid has been paid back. A payment is exactly what is
owed, all at once; a fee of 0 is nothing owed. Every act takes the doctor-day's lock and writes
one event.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Patient, Role, User
from accounts.roles import Act, may
from doctors.models import Doctor
from opd_site import clock
from opd_site.errors import InvalidRequest
from scheduling import policy
from scheduling.errors import (
    AmountNotOwed,
    NothingOwed,
    PaymentNotAllowed,
    PaymentRequired,
    WaiverNotAllowed,
)
from scheduling.events import record_event
from scheduling.locking import assert_locked
from scheduling.models import (
    ACTIVE_STATUSES,
    DoctorDay,
    EventKind,
    Payment,
    PaymentMethod,
    PaymentState,
    Refund,
    Slot,
    Source,
    Token,
)
from scheduling.services.seats import fee_for
from scheduling.services.statuses import token_locked

ZERO = Decimal("0.00")
DESK_METHODS = (PaymentMethod.CASH, PaymentMethod.UPI, PaymentMethod.CARD)


@dataclass(frozen=True)
class PaymentIntent:
    """The payment a booking carries, recorded in the same act: a method and a reference."""

    method: str
    reference: str = ""


# What a token owes --------------------------------------------------------------------------


def payment_of(token: Token) -> Payment | None:
    """The token's payment, or None (no query when loaded with ``select_related("payment")``,
    nor for an unpaid or waived token: only a paid or refunded one has a payment)."""
    if token.payment_state in (PaymentState.UNPAID, PaymentState.WAIVED):
        return None
    try:
        return token.payment
    except Payment.DoesNotExist:
        return None


def amount_paid(token: Token) -> Decimal:
    payment = payment_of(token)
    return payment.amount if payment is not None else ZERO


def amount_owed(token: Token) -> Decimal:
    """The fee of an unpaid token that still holds its seat; nothing otherwise."""
    if token.payment_state != PaymentState.UNPAID or token.status not in ACTIVE_STATUSES:
        return ZERO
    return Decimal(token.fee)


def fee_preview(
    *, doctor: Doctor, day: date, source: str, preferred_slot: Slot | None = None
) -> Decimal | None:
    """What a request would cost, read before any lock (the desk's confirm page, a 402): the
    preferred slot's fee, else the earliest open slot's that has not ended; None without one."""
    slot = preferred_slot
    if slot is None:
        slot = (
            Slot.objects.filter(
                doctor_day__doctor=doctor,
                doctor_day__date=day,
                status=Slot.Status.OPEN,
                end__gt=clock.now(),
            )
            .order_by("start")
            .first()
        )
    return Decimal(fee_for(source=source, slot=slot)) if slot is not None else None


# Taking the fee ------------------------------------------------------------------------------


def _is_front_desk(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_front_desk", False))


def _is_patient(actor) -> bool:
    return getattr(actor, "role", None) == Role.PATIENT


def take_payment(
    *, token: Token, amount: Decimal, method: str, reference: str = "", actor
) -> Token:
    """The desk takes the fee owed for a token (at issue, at check-in, or any time after)."""
    if not may(actor, Act.TAKE_PAYMENT):
        raise PaymentNotAllowed()
    with token_locked(token) as (doctor_day, token):
        record_payment(
            doctor_day=doctor_day,
            token=token,
            amount=amount,
            method=method,
            reference=reference,
            actor=actor,
            taken_by=actor,
        )
        return token


def record_payment(
    *,
    doctor_day: DoctorDay,
    token: Token,
    amount: Decimal,
    method: str,
    reference: str = "",
    actor=None,
    taken_by=None,
) -> Payment:
    """Record the money for a token, under its doctor-day's lock: exactly what is owed."""
    assert_locked()
    owed = amount_owed(token)
    if owed <= 0:
        raise NothingOwed(
            _nothing_owed_reason(token),
            details={"state": token.payment_state, "fee": str(token.fee)},
        )
    if Decimal(amount) != owed:
        raise AmountNotOwed(
            gettext("The amount owed for %(number)s is %(owed)s; take exactly that.")
            % {"number": token.display_number, "owed": owed},
            details={"owed": str(owed), "amount": str(amount)},
        )
    method = PaymentMethod(method)
    payment = Payment.objects.create(
        token=token,
        amount=owed,
        method=method,
        reference=reference[:100],
        taken_by=taken_by if taken_by is not None and taken_by.is_authenticated else None,
        taken_at=clock.now(),
    )
    token.payment = payment
    token.payment_state = PaymentState.PAID
    token.save(update_fields=["payment_state"])
    receipt = f", receipt {payment.reference}" if payment.reference else ""
    record_event(
        kind=EventKind.PAYMENT_TAKEN,
        doctor_day=doctor_day,
        token=token,
        actor=actor,
        reason=f"Paid {owed} by {method.label}{receipt}.",
    )
    return payment


def _nothing_owed_reason(token: Token) -> str:
    if token.payment_state != PaymentState.UNPAID:
        return gettext("Nothing is owed: the fee is %(state)s.") % {
            "state": token.get_payment_state_display().lower()
        }
    if token.status not in ACTIVE_STATUSES:
        return gettext("Nothing is owed for a %(status)s token.") % {
            "status": token.get_status_display().lower()
        }
    return gettext("Nothing is owed: this token carries no fee.")


def waive_fee(*, token: Token, reason: str, actor) -> Token:
    """An administrator lets the patient off the fee owed (who and why are recorded)."""
    if not may(actor, Act.WAIVE_FEE):
        raise WaiverNotAllowed()
    with token_locked(token) as (doctor_day, token):
        if amount_owed(token) <= 0:
            raise NothingOwed(
                _nothing_owed_reason(token),
                details={"state": token.payment_state, "fee": str(token.fee)},
            )
        token.payment_state = PaymentState.WAIVED
        token.fee_waived_by = actor
        token.fee_waived_at = clock.now()
        token.fee_waiver_reason = reason[:300]
        token.save(
            update_fields=["payment_state", "fee_waived_by", "fee_waived_at", "fee_waiver_reason"]
        )
        record_event(
            kind=EventKind.FEE_WAIVED,
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=f"Fee of {token.fee} waived: {reason}"[:300],
        )
        return token


# A booking that carries its payment ---------------------------------------------------------


def ensure_booking_payment(
    *,
    actor,
    patient: Patient,
    doctor: Doctor,
    day: date,
    source: str,
    preferred_slot: Slot | None,
    payment: PaymentIntent | None,
) -> None:
    """Before the lock: who may pay with a booking, and paid priority is sold, not self-assigned.

    The desk records any method. A patient pays only online, confirmed by the configured
    provider (called here, outside the transaction); a patient's own ``priority`` request without
    a confirmed payment is refused with 402 and the fee.
    """
    if not _is_patient(actor):
        if payment is not None and not _is_front_desk(actor):
            raise PaymentNotAllowed()
        return
    if payment is None and source != Source.PRIORITY:
        return
    provider = policy.online_payment_provider()
    fee = fee_preview(doctor=doctor, day=day, source=source, preferred_slot=preferred_slot)
    if payment is None:
        raise _priority_sold(fee, provider_configured=provider is not None)
    if payment.method != PaymentMethod.ONLINE or not payment.reference:
        raise InvalidRequest(
            gettext("Patients pay online, with the payment's reference."),
            details={"payment": ["Send method online and the online payment's reference."]},
        )
    if provider is None:
        if source == Source.PRIORITY:
            raise _priority_sold(fee, provider_configured=False)
        raise InvalidRequest(
            gettext("Online payment is not available; pay at the counter."),
            details={"payment": ["Online payment is not available; pay at the counter."]},
        )
    if fee is None:
        return  # no slot to pay for: the request is refused when it is seated
    if not provider(reference=payment.reference, amount=fee, patient=patient):
        raise PaymentRequired(
            gettext("The online payment %(reference)s of %(fee)s could not be confirmed.")
            % {"reference": repr(payment.reference), "fee": fee},
            details={"fee": str(fee)},
        )


def _priority_sold(fee: Decimal | None, *, provider_configured: bool) -> PaymentRequired:
    fee_text = f" of {fee}" if fee is not None else ""
    if provider_configured:
        message = (
            f"A priority token needs its fee{fee_text} paid online first: send the online "
            "payment's reference with the request, or buy it at the OPD desk."
        )
    else:
        message = (
            f"Priority tokens are sold at the OPD desk, where the fee{fee_text} is taken; "
            "online payment is not available. Book an online token, or come to the desk."
        )
    return PaymentRequired(message, details={"fee": str(fee) if fee is not None else None})


def pay_with_booking(
    *, doctor_day: DoctorDay, token: Token, payment: PaymentIntent, actor
) -> Payment:
    """Record the payment a booking carried, in the booking's transaction (the caller's lock).

    A patient's confirmed online payment has no desk user; the desk's is taken by the clerk.
    """
    online = _is_patient(actor)
    return record_payment(
        doctor_day=doctor_day,
        token=token,
        amount=amount_owed(token),
        method=PaymentMethod.ONLINE if online else payment.method,
        reference=payment.reference,
        actor=actor,
        taken_by=None if online else actor,
    )


# The day's collection -----------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    count: int = 0
    amount: Decimal = ZERO

    def __add__(self, other: "Money") -> "Money":
        return Money(self.count + other.count, self.amount + other.amount)


@dataclass
class DeskCollection:
    """One desk user's day (``user`` None: payments made online)."""

    user: User | None
    methods: dict[str, Money] = field(
        default_factory=lambda: {method.value: Money() for method in PaymentMethod}
    )
    refunds_paid: Money = field(default_factory=Money)

    @property
    def taken(self) -> Money:
        return sum(self.methods.values(), Money())

    @property
    def net(self) -> Decimal:
        return self.taken.amount - self.refunds_paid.amount


@dataclass
class Collection:
    """What the desk took on a day, per desk user and method, the refunds it paid, and net."""

    day: date
    taken_by: User | None
    desks: list[DeskCollection]

    @property
    def methods(self) -> dict[str, Money]:
        totals = {method.value: Money() for method in PaymentMethod}
        for desk in self.desks:
            for method, money in desk.methods.items():
                totals[method] += money
        return totals

    @property
    def taken(self) -> Money:
        return sum((desk.taken for desk in self.desks), Money())

    @property
    def refunds_paid(self) -> Money:
        return sum((desk.refunds_paid for desk in self.desks), Money())

    @property
    def net(self) -> Decimal:
        return self.taken.amount - self.refunds_paid.amount


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def collection_scope(*, viewer, taken_by: User | None) -> User | None:
    """Whose collection the viewer may read: staff their own, an administrator anyone's."""
    if not _is_front_desk(viewer):
        raise PaymentNotAllowed(gettext("The day's collection is for the front desk."))
    if may(viewer, Act.READ_ALL_COLLECTIONS):
        return taken_by
    if taken_by is not None and taken_by.pk != viewer.pk:
        raise PaymentNotAllowed(
            gettext("Receptionists see their own collection; an administrator all.")
        )
    return viewer


def day_collection(*, day: date, viewer, taken_by: User | None = None) -> Collection:
    """The day's payments and paid refunds per desk user and method (a read for reconciling)."""
    scope = collection_scope(viewer=viewer, taken_by=taken_by)
    start, end = _day_bounds(day)
    payments = Payment.objects.filter(taken_at__gte=start, taken_at__lt=end)
    refunds = Refund.objects.filter(status=Refund.Status.PAID, paid_at__gte=start, paid_at__lt=end)
    if scope is not None:
        payments = payments.filter(taken_by=scope)
        refunds = refunds.filter(paid_by=scope)
    # A desk user with nothing taken still sees their (empty) line.
    desks = {scope.pk: DeskCollection(user=scope)} if scope is not None else {}
    for row in payments.values("taken_by", "method").annotate(n=Count("id"), total=Sum("amount")):
        desk = desks.setdefault(row["taken_by"], DeskCollection(user=None))
        desk.methods[row["method"]] += Money(row["n"], row["total"])
    for row in refunds.values("paid_by").annotate(n=Count("id"), total=Sum("amount")):
        desk = desks.setdefault(row["paid_by"], DeskCollection(user=None))
        desk.refunds_paid += Money(row["n"], row["total"])
    users = User.objects.in_bulk([pk for pk in desks if pk is not None])
    for pk, desk in desks.items():
        desk.user = users.get(pk)
    ordered = sorted(
        desks.values(), key=lambda desk: (desk.user is None, desk.user.name if desk.user else "")
    )
    return Collection(day=day, taken_by=scope, desks=ordered)


# What the desk and the API show ---------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSummary:
    """A token's fee as the desk and the API show it."""

    state: str
    fee: Decimal
    paid: Decimal
    owed: Decimal
    method: str | None = None
    reference: str | None = None
    taken_by: User | None = None
    taken_at: datetime | None = None
    waived_by: User | None = None
    waived_at: datetime | None = None
    waiver_reason: str | None = None

    @property
    def method_label(self) -> str:
        return PaymentMethod(self.method).label if self.method else ""


def payment_summary(token: Token) -> PaymentSummary:
    """Load the token with ``payment__taken_by`` and ``fee_waived_by`` to read it query-free."""
    payment = payment_of(token)
    waived = token.payment_state == PaymentState.WAIVED
    return PaymentSummary(
        state=token.payment_state,
        fee=Decimal(token.fee),
        paid=payment.amount if payment is not None else ZERO,
        owed=amount_owed(token),
        method=payment.method if payment is not None else None,
        reference=(payment.reference or None) if payment is not None else None,
        taken_by=payment.taken_by if payment is not None else None,
        taken_at=payment.taken_at if payment is not None else None,
        waived_by=token.fee_waived_by if waived else None,
        waived_at=token.fee_waived_at if waived else None,
        waiver_reason=token.fee_waiver_reason if waived else None,
    )
