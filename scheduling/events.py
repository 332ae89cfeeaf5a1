"""The one function that writes history: every change of a token or waiting entry is one event."""

from opd_site import clock
from opd_site.rows import insert
from scheduling.locking import assert_locked
from scheduling.models import DoctorDay, EventKind, Slot, Token, TokenEvent


def record_event(
    *,
    kind: EventKind,
    doctor_day: DoctorDay,
    token: Token | None = None,
    waiting_entry=None,
    from_slot: Slot | None = None,
    to_slot: Slot | None = None,
    actor=None,
    reason: str = "",
) -> TokenEvent:
    """Append one event (who, what, why, from/to slot) to a token's or entry's history."""
    assert_locked()
    # Appended as ``TokenEvent.objects.create`` would, with the statement built once.
    return insert(
        TokenEvent(
            kind=kind,
            doctor_day=doctor_day,
            token=token,
            waiting_entry=waiting_entry,
            from_slot=from_slot,
            to_slot=to_slot,
            actor=actor if actor is not None and actor.is_authenticated else None,
            reason=reason[:300],
            at=clock.now(),
        )
    )
