"""Printed slips that stay true: when a slip was printed, and whether it is out of date.

A slip names the token's slot and the time the patient should expect, so whatever changes them
after the slip was printed marks the slip for reprinting, in the same transaction as the change:
a move to another slot (bumping, a closed slot, a delay: ``seats.move_token``), a cancellation by
the hospital when the doctor cannot come (``rehoming``), and a delay shifting every time of the
day (``delay.set_delay``). Printing it again clears the mark.
"""

import logging

from opd_site import clock
from scheduling.locking import assert_locked, doctor_day_locked
from scheduling.models import DoctorDay, Token, TokenStatus

logger = logging.getLogger(__name__)

# Tokens whose patient still holds the slip and is still to be seen.
WAITING_STATUSES = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN)


def mark_moved_slip(token: Token) -> list[str]:
    """A printed token was moved to another slot or cancelled by the hospital: its slip is out
    of date. Returns the fields to save with the change (none when no slip was printed)."""
    assert_locked()
    if token.slip_printed_at is None or token.reprint_needed:
        return []
    token.reprint_needed = True
    return ["reprint_needed"]


def mark_day_slips(doctor_day: DoctorDay) -> int:
    """Every printed slip of the day's still-waiting tokens is out of date (a delay shifted
    their times). Returns how many were marked."""
    assert_locked()
    return Token.objects.filter(
        doctor_day=doctor_day,
        status__in=WAITING_STATUSES,
        slip_printed_at__isnull=False,
        reprint_needed=False,
    ).update(reprint_needed=True)


def record_slip_printed(
    *,
    token: Token,
    actor=None,
    slot_id: int | None = None,
    delay_minutes: int | None = None,
) -> Token:
    """Record that the token's slip was printed, which makes it current again.

    ``slot_id`` and ``delay_minutes`` say what the printed page showed; when the token moved or
    the day's delay changed after the page was drawn, the print is recorded but the slip stays
    out of date (the paper shows the old time).
    """
    doctor_day = token.doctor_day
    with doctor_day_locked(doctor_id=doctor_day.doctor_id, day=doctor_day.date) as locked_day:
        fresh = Token.objects.get(pk=token.pk)
        stale = (slot_id is not None and slot_id != fresh.slot_id) or (
            delay_minutes is not None and delay_minutes != locked_day.delay_minutes
        )
        fresh.slip_printed_at = clock.now()
        fresh.reprint_needed = stale
        fresh.save(update_fields=["slip_printed_at", "reprint_needed"])
    logger.info(
        "slip of token %s printed by user %s%s",
        fresh.reference,
        getattr(actor, "pk", None),
        " (already out of date)" if stale else "",
    )
    token.slip_printed_at, token.reprint_needed = fresh.slip_printed_at, fresh.reprint_needed
    return token
