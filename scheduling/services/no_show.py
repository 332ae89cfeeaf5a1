"""No-shows: a booked token not checked in by slot start plus grace, or a called patient who does
not come; the patient's count and block.
"""

from collections.abc import Collection
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Patient
from opd_site import clock
from scheduling import policy
from scheduling.errors import TooEarlyForNoShow
from scheduling.events import record_event
from scheduling.locking import doctor_day_locked
from scheduling.models import DoctorDay, EventKind, Token
from scheduling.services.seats import DaySeats
from scheduling.services.statuses import ALLOWED, S, ensure_transition, set_status, token_locked
from scheduling.services.waiting_list import promote_waiting


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
    ensure_transition(token, S.NO_SHOW)
    origin = token.slot
    set_status(token, S.NO_SHOW, stamp="no_show_at")
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


def no_show_from(token: Token):
    """The moment a booked token may become a no-show: its slot's start plus the grace."""
    return token.slot.start + timedelta(minutes=policy.no_show_grace_minutes())


def ensure_no_show_allowed(token: Token) -> None:
    """A called patient may be marked absent at once; a booked one only after the grace."""
    if token.status == S.BOOKED and clock.now() < no_show_from(token):
        raise TooEarlyForNoShow(
            gettext("%(number)s can be marked a no-show from %(time)s (slot start plus the grace).")
            % {
                "number": token.display_number,
                "time": f"{timezone.localtime(no_show_from(token)):%H:%M}",
            },
            details={"no_show_from": no_show_from(token).isoformat()},
        )


def no_show_allowed_now(token: Token) -> bool:
    """Would ``mark_no_show`` accept this token now? (``token.slot`` is read.)"""
    if S.NO_SHOW not in ALLOWED[S(token.status)]:
        return False
    return not (token.status == S.BOOKED and clock.now() < no_show_from(token))


def mark_no_show(*, token: Token, actor=None, reason: str = "") -> Token:
    """Staff mark a patient absent (a booked one after the grace, a called one at once); the
    seat goes to the waiting list."""
    with token_locked(token) as (doctor_day, token):
        ensure_transition(token, S.NO_SHOW)
        ensure_no_show_allowed(token)
        _no_show(doctor_day, token, actor, reason or "Marked absent by staff.")
        return token


def sweep_no_shows(*, doctor_day_ids: Collection[int] | None = None) -> int:
    """Mark booked tokens not checked in by slot start plus grace (on these doctor-days, or all).

    Idempotent. The grace counts from booking too, so a token booked late is not swept at once.
    """
    cutoff = clock.now() - timedelta(minutes=policy.no_show_grace_minutes())
    due = Token.objects.filter(status=S.BOOKED, slot__start__lte=cutoff, booked_at__lte=cutoff)
    if doctor_day_ids is not None:
        due = due.filter(doctor_day_id__in=doctor_day_ids)
    due = due.values_list("doctor_day__doctor_id", "doctor_day__date").distinct()
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
