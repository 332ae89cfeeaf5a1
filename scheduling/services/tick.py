"""The periodic pass (``manage.py opd_tick``): idempotent, safe to run concurrently."""

from collections.abc import Collection
from datetime import timedelta

from opd_site import clock
from scheduling import policy
from scheduling.idempotency import purge_expired_keys
from scheduling.models import ADVANCE_SOURCES, DoctorDay, Slot, WaitingEntry
from scheduling.services.estimate_notices import notice_moved_estimates
from scheduling.services.no_show import sweep_no_shows
from scheduling.services.notifications import send_due_notifications
from scheduling.services.waiting_list import expire_waiting_entries, promote_day


def promote_released_seats(*, doctor_day_ids: Collection[int] | None = None) -> int:
    """Walk-in reserves open to advance requests as their release time passes: promote.

    Only advance requests are held back by a reserve, so only days where one waits beside a
    slot whose reserve has been released are visited (of these doctor-days, or all).
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
    if doctor_day_ids is not None:
        days = days.filter(id__in=doctor_day_ids)
    promoted = 0
    for doctor_day in days.order_by("date", "doctor_id"):
        issued = promote_day(doctor_day=doctor_day, reason="The walk-in reserve was released.")
        promoted += len(issued)
    return promoted


def run_tick(*, doctor_day_ids: Collection[int] | None = None) -> dict[str, int]:
    """No-shows past grace, expired waiting entries, released reserves, notices of estimates
    that moved a lot, due notifications.

    With ``doctor_day_ids`` only those doctor-days are visited (the day simulation's scope), and
    the chores that belong to no doctor-day (delivering notifications, purging idempotency keys)
    are left to the unscoped tick.
    """
    scope = {"doctor_day_ids": doctor_day_ids}
    done = {
        "no_shows": sweep_no_shows(**scope),
        "expired": expire_waiting_entries(**scope),
        "promoted": promote_released_seats(**scope),
        "estimate_notices": notice_moved_estimates(**scope),
    }
    if doctor_day_ids is None:
        done.update(send_due_notifications(), idempotency_keys_purged=purge_expired_keys())
    return done
