"""The token status machine (allocation.md, Token statuses) and the token lock every status change
takes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext

from opd_site import clock
from scheduling.errors import IllegalTransition
from scheduling.locking import doctor_day_locked
from scheduling.models import DoctorDay, Token, TokenStatus

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
            gettext("A %(current)s token cannot become %(requested)s. Allowed: %(allowed)s.")
            % {
                "current": TokenStatus(token.status).label.lower(),
                "requested": TokenStatus(to).label.lower(),
                "allowed": names,
            },
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


def set_status(token: Token, to: str, *, stamp: str | None, extra: tuple[str, ...] = ()) -> None:
    token.status = to
    fields = ["status", *extra]
    if stamp:
        setattr(token, stamp, clock.now())
        fields.append(stamp)
    token.save(update_fields=fields)
