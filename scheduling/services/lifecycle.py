"""A token's day: check-in, call, requeue, completion and no-show (allocation.md, statuses)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Max

from accounts.models import Patient
from doctors.models import Doctor
from scheduling import clock, policy
from scheduling.errors import IllegalTransition, QueueEmpty
from scheduling.events import record_event
from scheduling.locking import doctor_day_locked
from scheduling.models import DoctorDay, EventKind, Token, TokenStatus
from scheduling.services.seating import DaySeats

S = TokenStatus
ALLOWED = {
    S.BOOKED: (S.CHECKED_IN, S.CANCELLED, S.NO_SHOW),
    S.CHECKED_IN: (S.IN_CONSULTATION, S.CANCELLED),
    S.IN_CONSULTATION: (S.COMPLETED, S.CHECKED_IN, S.NO_SHOW),
    S.COMPLETED: (),
    S.CANCELLED: (),
    S.NO_SHOW: (),
}


def ensure_transition(token: Token, to: str) -> None:
    """Refuse any status change the lifecycle does not allow, naming the allowed ones."""
    allowed = ALLOWED[TokenStatus(token.status)]
    if to not in allowed:
        names = ", ".join(allowed) or "none"
        raise IllegalTransition(
            f"A {TokenStatus(token.status).label.lower()} token cannot become "
            f"{TokenStatus(to).label.lower()}. Allowed: {names}.",
            details={"status": token.status, "requested": to, "allowed": list(allowed)},
        )


@contextmanager
def token_locked(token: Token) -> Iterator[tuple[DoctorDay, Token]]:
    """Lock the token's doctor-day and re-read the token under the lock."""
    day = DoctorDay.objects.only("doctor_id", "date").get(pk=token.doctor_day_id)
    with doctor_day_locked(doctor_id=day.doctor_id, day=day.date) as doctor_day:
        fresh = Token.objects.select_related("slot", "patient", "patient__user").get(pk=token.pk)
        fresh.doctor_day = doctor_day
        yield doctor_day, fresh


def _set_status(token: Token, to: str, *, stamp: str | None, extra: tuple[str, ...] = ()) -> None:
    token.status = to
    fields = ["status", *extra]
    if stamp:
        setattr(token, stamp, clock.now())
        fields.append(stamp)
    token.save(update_fields=fields)


def check_in(*, token: Token, actor=None) -> Token:
    """The patient has arrived at the OPD."""
    with token_locked(token) as (doctor_day, token):
        ensure_transition(token, S.CHECKED_IN)
        if doctor_day.date != clock.today():
            raise IllegalTransition("Patients check in on the day of their token.")
        _set_status(token, S.CHECKED_IN, stamp="checked_in_at")
        record_event(kind=EventKind.CHECKED_IN, doctor_day=doctor_day, token=token, actor=actor)
        return token


def serving_order_q(doctor_day: DoctorDay):
    """Checked-in tokens of started slots: priority, then earliest slot, then check-in time."""
    return (
        Token.objects.filter(
            doctor_day=doctor_day, status=S.CHECKED_IN, slot__start__lte=clock.now()
        )
        .select_related("slot", "patient")
        .order_by("-priority", "slot__start", "checked_in_at", "id")
    )


def _call(doctor_day: DoctorDay, token: Token, actor) -> Token:
    ensure_transition(token, S.IN_CONSULTATION)
    _set_status(token, S.IN_CONSULTATION, stamp="called_at")
    record_event(kind=EventKind.CALLED, doctor_day=doctor_day, token=token, actor=actor)
    return token


def call_next(*, doctor: Doctor, day: date | None = None, actor=None) -> Token:
    """The doctor calls the next patient in serving order."""
    with doctor_day_locked(doctor_id=doctor.id, day=day or clock.today()) as doctor_day:
        token = serving_order_q(doctor_day).first()
        if token is None:
            raise QueueEmpty()
        token.doctor_day = doctor_day
        return _call(doctor_day, token, actor)


def call_token(*, token: Token, actor=None) -> Token:
    """Call one particular checked-in patient (the status endpoint's in_consultation)."""
    with token_locked(token) as (doctor_day, token):
        return _call(doctor_day, token, actor)


def requeue(*, token: Token, actor=None, reason: str = "") -> Token:
    """A called patient did not come in: back to checked-in, behind those already waiting."""
    with token_locked(token) as (doctor_day, token):
        ensure_transition(token, S.CHECKED_IN)
        if token.status != S.IN_CONSULTATION:
            raise IllegalTransition("Only a called patient can be requeued.")
        # Behind everyone already checked in, even those who arrived this very instant.
        latest = Token.objects.filter(doctor_day=doctor_day, status=S.CHECKED_IN).aggregate(
            latest=Max("checked_in_at")
        )["latest"]
        now = clock.now()
        token.called_at = None
        token.status = S.CHECKED_IN
        token.checked_in_at = max(now, latest + timedelta(microseconds=1)) if latest else now
        token.save(update_fields=["status", "called_at", "checked_in_at"])
        record_event(
            kind=EventKind.REQUEUED,
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=reason or "Called but not present; back in the queue.",
        )
        return token


def complete(*, token: Token, actor=None) -> Token:
    """The consultation is over; its length feeds the doctor's rolling average."""
    with token_locked(token) as (doctor_day, token):
        ensure_transition(token, S.COMPLETED)
        _set_status(token, S.COMPLETED, stamp="completed_at")
        minutes = Decimal((token.completed_at - token.called_at).total_seconds() / 60).quantize(
            Decimal("0.01")
        )
        weight = Decimal(str(policy.rolling_average_weight()))
        Doctor.objects.filter(pk=doctor_day.doctor_id).update(
            average_consultation_minutes=F("average_consultation_minutes") * (1 - weight)
            + max(minutes, Decimal("0.5")) * weight
        )
        record_event(
            kind=EventKind.COMPLETED,
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=f"Consultation took {minutes:.0f} min.",
        )
        return token


def _count_no_show(patient: Patient) -> None:
    """Raise the patient's no-show count; block online booking past the limit."""
    Patient.objects.filter(pk=patient.pk).update(no_show_count=F("no_show_count") + 1)
    since = clock.now() - timedelta(days=policy.no_show_window_days())
    recent = Token.objects.filter(patient=patient, status=S.NO_SHOW, no_show_at__gte=since)
    if patient.block_cleared_at is not None:
        recent = recent.filter(no_show_at__gt=patient.block_cleared_at)
    if not patient.booking_blocked and recent.count() >= policy.no_show_block_after():
        Patient.objects.filter(pk=patient.pk).update(booking_blocked=True)


def _no_show(doctor_day: DoctorDay, token: Token, actor, reason: str) -> None:
    from queueing.services import promote_waiting

    ensure_transition(token, S.NO_SHOW)
    origin = token.slot
    _set_status(token, S.NO_SHOW, stamp="no_show_at")
    record_event(
        kind=EventKind.NO_SHOW,
        doctor_day=doctor_day,
        token=token,
        from_slot=origin,
        actor=actor,
        reason=reason,
    )
    _count_no_show(token.patient)
    promote_waiting(
        seats=DaySeats(doctor_day), actor=actor, reason="A seat was freed by a no-show."
    )


def mark_no_show(*, token: Token, actor=None, reason: str = "") -> Token:
    """Staff mark a booked (or called) patient absent; the seat goes to the waiting list."""
    with token_locked(token) as (doctor_day, token):
        _no_show(doctor_day, token, actor, reason or "Marked absent by staff.")
        return token


def sweep_no_shows() -> int:
    """Mark booked tokens not checked in by slot start plus grace. Idempotent."""
    cutoff = clock.now() - timedelta(minutes=policy.no_show_grace_minutes())
    due = (
        Token.objects.filter(status=S.BOOKED, slot__start__lte=cutoff, booked_at__lte=cutoff)
        .values_list("doctor_day__doctor_id", "doctor_day__date")
        .distinct()
    )
    marked = 0
    for doctor_id, day in sorted(set(due)):
        with doctor_day_locked(doctor_id=doctor_id, day=day) as doctor_day:
            late = Token.objects.filter(
                doctor_day=doctor_day,
                status=S.BOOKED,
                slot__start__lte=cutoff,
                booked_at__lte=cutoff,
            ).select_related("slot", "patient")
            for token in late:
                token.doctor_day = doctor_day
                _no_show(doctor_day, token, None, "Not checked in within the grace period.")
                marked += 1
    return marked


def clear_booking_block(*, patient: Patient, actor=None) -> Patient:
    """Staff lift a no-show block; only no-shows after this moment count towards a new one."""
    Patient.objects.filter(pk=patient.pk).update(
        booking_blocked=False, block_cleared_at=clock.now()
    )
    patient.refresh_from_db(fields=["booking_blocked", "block_cleared_at"])
    return patient


def change_status(*, token: Token, status: str, actor=None) -> Token:
    """The API's status endpoint: one target status, one lifecycle operation."""
    operations = {
        S.CHECKED_IN: requeue if token.status == S.IN_CONSULTATION else check_in,
        S.IN_CONSULTATION: call_token,
        S.COMPLETED: complete,
        S.NO_SHOW: mark_no_show,
    }
    if status not in operations:
        ensure_transition(token, status)
        raise IllegalTransition("Use the cancel endpoint to cancel a token.")
    return operations[status](token=token, actor=actor)
