"""Serving: check-in, call next, requeue and completion (allocation.md, Serving order).

These change a token's status along the serving path under the doctor-day lock, recording events
with scheduling's one event writer; the order they call in is ``scheduling.selectors``'.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Subquery
from django.utils.translation import gettext

from doctors.models import Doctor
from doctors.services import record_consultation
from opd_site import clock
from scheduling import policy
from scheduling.errors import ConsultationInProgress, IllegalTransition, QueueEmpty
from scheduling.events import record_event
from scheduling.locking import doctor_day_locked
from scheduling.models import DoctorDay, EventKind, Token
from scheduling.selectors import next_to_call
from scheduling.services.estimate_notices import remember_told
from scheduling.services.no_show import mark_no_show
from scheduling.services.statuses import S, ensure_transition, set_status, token_locked


def check_in(*, token: Token, actor=None, reason: str = "") -> Token:
    """The patient has arrived at the OPD.

    ``actor`` is None when nobody signed in did it (the kiosk); ``reason`` then says how.
    """
    with token_locked(token) as (doctor_day, token):
        ensure_transition(token, S.CHECKED_IN)
        if token.status != S.BOOKED:
            raise IllegalTransition(
                gettext(
                    "Only a booked patient checks in; "
                    "a called patient who did not come is requeued."
                ),
                details={"status": token.status, "requested": S.CHECKED_IN, "allowed": []},
            )
        if doctor_day.date != clock.today():
            raise IllegalTransition(gettext("Patients check in on the day of their token."))
        set_status(token, S.CHECKED_IN, stamp="checked_in_at")
        record_event(
            kind=EventKind.CHECKED_IN,
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=reason,
        )
        remember_told(token=token, doctor_day=doctor_day)
        return token


def ensure_doctor_free(doctor_day: DoctorDay) -> None:
    """One patient in consultation per doctor: refuse a call while another one is in."""
    current = (
        Token.objects.filter(doctor_day__doctor_id=doctor_day.doctor_id, status=S.IN_CONSULTATION)
        .select_related("doctor_day__doctor")
        .first()
    )
    if current is not None:
        raise ConsultationInProgress(
            gettext("%(number)s is in consultation: complete, requeue or mark it first.")
            % {"number": current.display_number},
            details={"token": current.pk, "number": current.display_number},
        )


def _call(doctor_day: DoctorDay, token: Token, actor) -> Token:
    ensure_transition(token, S.IN_CONSULTATION)
    ensure_doctor_free(doctor_day)
    set_status(token, S.IN_CONSULTATION, stamp="called_at")
    record_event(kind=EventKind.CALLED, doctor_day=doctor_day, token=token, actor=actor)
    return token


def call_next(*, doctor: Doctor, day: date | None = None, actor=None) -> Token:
    """The doctor calls the next patient in serving order."""
    with doctor_day_locked(doctor_id=doctor.id, day=day or clock.today()) as doctor_day:
        token = next_to_call(doctor_day)
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
            raise IllegalTransition(gettext("Only a called patient can be requeued."))
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
        set_status(token, S.COMPLETED, stamp="completed_at")
        minutes = Decimal((token.completed_at - token.called_at).total_seconds() / 60).quantize(
            Decimal("0.01")
        )
        if doctor_day.opening_average_minutes is None:
            _keep_opening_average(doctor_day)
        record_consultation(
            doctor_id=doctor_day.doctor_id,
            minutes=minutes,
            weight=Decimal(str(policy.rolling_average_weight())),
        )
        record_event(
            kind=EventKind.COMPLETED,
            doctor_day=doctor_day,
            token=token,
            actor=actor,
            reason=f"Consultation took {minutes:.0f} min.",
        )
        return token


def _keep_opening_average(doctor_day: DoctorDay) -> None:
    """Before the day's first consultation moves the doctor's rolling average, keep it on the day:
    the estimates start from it and add the day's consultations themselves."""
    DoctorDay.objects.filter(pk=doctor_day.pk).update(
        opening_average_minutes=Subquery(
            Doctor.objects.filter(pk=doctor_day.doctor_id).values("average_consultation_minutes")
        )
    )


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
        raise IllegalTransition(gettext("Use the cancel endpoint to cancel a token."))
    return operations[status](token=token, actor=actor)
