"""The periodic pass (``manage.py opd_tick``): idempotent, safe to run concurrently."""

from queueing.models import WaitingEntry
from queueing.services import expire_waiting_entries, promote_day
from scheduling import clock
from scheduling.idempotency import purge_expired_keys
from scheduling.models import DoctorDay, Slot
from scheduling.services.lifecycle import sweep_no_shows
from scheduling.services.notifications import send_due_notifications


def promote_released_seats() -> int:
    """Walk-in reserves open to advance requests as their release time passes: promote."""
    now = clock.now()
    days = DoctorDay.objects.filter(
        waiting_entries__status=WaitingEntry.Status.WAITING,
        slots__status=Slot.Status.OPEN,
        slots__end__gt=now,
    ).distinct()
    promoted = 0
    for doctor_day in days.order_by("date", "doctor_id"):
        promoted += len(
            promote_day(doctor_day=doctor_day, reason="The walk-in reserve was released.")
        )
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
