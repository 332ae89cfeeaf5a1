"""The periodic pass (``manage.py opd_tick``): idempotent, safe to run concurrently."""

from datetime import timedelta

from queueing.models import WaitingEntry
from queueing.services import expire_waiting_entries, promote_day
from scheduling import clock, policy
from scheduling.idempotency import purge_expired_keys
from scheduling.models import ADVANCE_SOURCES, DoctorDay, Slot
from scheduling.services.lifecycle import sweep_no_shows
from scheduling.services.notifications import send_due_notifications


def promote_released_seats() -> int:
    """Walk-in reserves open to advance requests as their release time passes: promote.

    Only advance requests are held back by a reserve, so only days where one waits beside a
    slot whose reserve has been released are visited.
    """
    now = clock.now()
    released_by = now + timedelta(minutes=policy.walk_in_release_minutes())
    days = DoctorDay.objects.filter(
        waiting_entries__status=WaitingEntry.Status.WAITING,
        waiting_entries__source__in=ADVANCE_SOURCES,
        slots__status=Slot.Status.OPEN,
        slots__walk_in_reserve__gt=0,
        slots__start__lte=released_by,
        slots__end__gt=now,
    ).distinct()
    promoted = 0
    for doctor_day in days.order_by("date", "doctor_id"):
        issued = promote_day(doctor_day=doctor_day, reason="The walk-in reserve was released.")
        promoted += len(issued)
    return promoted


def run_tick() -> dict[str, int]:
    """No-shows past grace, expired waiting entries, released reserves, due notifications."""
    return {
        "no_shows": sweep_no_shows(),
        "expired": expire_waiting_entries(),
        "promoted": promote_released_seats(),
        **send_due_notifications(),
        "idempotency_keys_purged": purge_expired_keys(),
    }
