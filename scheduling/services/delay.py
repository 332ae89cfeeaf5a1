"""Doctor delay: record, revise or clear that a doctor runs late; the lost time moves the excess
tokens (allocation.md).
"""

from datetime import date, timedelta

from django.utils.translation import gettext

from doctors.models import Doctor
from opd_site import clock
from opd_site.errors import InvalidRequest
from scheduling import policy
from scheduling.locking import doctor_day_locked
from scheduling.models import DoctorDay, EventKind, Slot
from scheduling.services.rehoming import Rehomed, excess_tokens, rehome_tokens
from scheduling.services.seats import DaySeats
from scheduling.services.slips import mark_day_slips
from scheduling.services.waiting_list import promote_waiting


def set_delay(
    *, doctor: Doctor, day: date | None = None, minutes: int, actor=None, reason: str = ""
) -> tuple[DoctorDay, list[Rehomed]]:
    """Record (or revise, or with 0 clear) that the doctor runs ``minutes`` late.

    The lost time shrinks the slots it falls in; their excess lowest-priority booked tokens move
    to later slots, else to the day's waiting list. A shorter delay promotes from the list.
    Printed slips of the day's waiting tokens are marked for reprinting when the minutes change.
    """
    if minutes < 0:
        raise InvalidRequest(
            gettext("A delay cannot be negative."), details={"minutes": ["Must be 0 or more."]}
        )
    day = day or clock.today()
    if day < clock.today() or day > clock.today() + timedelta(days=policy.booking_window_days()):
        raise InvalidRequest(
            gettext("A delay can be recorded for today or a day within the booking window."),
            details={"date": ["Outside today and the booking window."]},
        )
    with doctor_day_locked(doctor_id=doctor.id, day=day) as doctor_day:
        now = clock.now()
        if minutes != doctor_day.delay_minutes:
            # Every printed slip of the day shows a time the delay just shifted.
            mark_day_slips(doctor_day)
        if minutes == 0:
            doctor_day.delay_minutes, doctor_day.delay_from, doctor_day.delay_reason = 0, None, ""
        else:
            if doctor_day.delay_from is None:
                first = Slot.objects.filter(doctor_day=doctor_day).order_by("start").first()
                doctor_day.delay_from = max(first.start, now) if first else now
            doctor_day.delay_minutes = minutes
            doctor_day.delay_reason = reason[:200]
        doctor_day.save(update_fields=["delay_minutes", "delay_from", "delay_reason"])
        seats = DaySeats(doctor_day)
        results: list[Rehomed] = []
        why = reason or f"The doctor is running {minutes} minutes late."
        for slot_seats in seats.open_slots(now):
            tokens = excess_tokens(seats, slot_seats)
            for token in tokens:
                token.doctor_day = doctor_day
            results += rehome_tokens(
                seats=seats,
                tokens=tokens,
                waitlist_seats=seats,
                kind=EventKind.DELAY_MOVED,
                actor=actor,
                reason=why,
            )
        promote_waiting(seats=seats, actor=actor, reason="The doctor's delay was reduced.")
        return doctor_day, results
