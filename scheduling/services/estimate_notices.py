"""Telling a patient when their expected call moves a lot later than they were told.

``Token.told_estimate`` is the call time the patient was last told: at booking (written with
the token), at check-in and in each notice (a page read never writes it). The periodic tick
compares it with the estimate now; when a patient still to be called is now expected more than
``OPD["ESTIMATE_MOVE_NOTICE_MINUTES"]`` later, one message goes out through the outbox, and
never more than one an hour for a token (``Token.moved_notice_at``).
"""

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from django.utils import timezone, translation
from django.utils.formats import time_format
from django.utils.translation import gettext

from accounts.languages import language_for
from opd_site import clock
from scheduling import policy
from scheduling.locking import assert_locked, doctor_day_locked
from scheduling.models import DoctorDay, EventKind, Token, TokenStatus
from scheduling.notify import notify_patient
from scheduling.selectors import QueueItem, serving_orders

logger = logging.getLogger("opd.estimates")

NOTICE_EVERY = timedelta(hours=1)  # at most one notice a token in this long
STILL_TO_CALL = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN)


def remember_told(*, token: Token, doctor_day: DoctorDay) -> datetime | None:
    """Record the expected call the patient is shown now (check-in; a booking writes it with the
    token, ``tell_on_insert``): the day's queue is read once and the token's row updated. Runs
    inside the caller's transaction."""
    assert_locked()
    if token.status not in STILL_TO_CALL:
        return None
    for item in serving_orders([doctor_day])[doctor_day.id]:
        if item.token.pk == token.pk:
            Token.objects.filter(pk=token.pk).update(told_estimate=item.estimated_time)
            token.told_estimate = item.estimated_time
            # The place just read is the one the caller shows (the booking's answer): read once.
            item.token = token
            token.told_queue_item = item
            return item.estimated_time
    return None


def tell_on_insert(
    *, token: Token, doctor_day: DoctorDay, day_tokens: list[Token] | None = None
) -> None:
    """Before a booked token is written: its place and the expected call the patient is shown
    (``told_estimate``), so both are written with it. The day's queue is read once (or taken
    from ``day_tokens``, the day's active tokens as just read under this lock), with the token
    placed as if written (``token.slot`` set); nothing is updated after, and the place is kept
    for the caller's answer (``token.told_queue_item``). Under the day's lock."""
    assert_locked()
    if token.status not in STILL_TO_CALL:
        return
    queues = serving_orders([doctor_day], adding=[token], tokens=day_tokens)
    for item in queues[doctor_day.id]:
        if item.token is token:
            token.told_estimate = item.estimated_time
            token.told_queue_item = item
            return


def _moved(item: QueueItem, *, now: datetime, threshold: timedelta) -> bool:
    token = item.token
    return (
        token.status in STILL_TO_CALL
        and token.told_estimate is not None
        and item.estimated_time - token.told_estimate > threshold
        and (token.moved_notice_at is None or now - token.moved_notice_at >= NOTICE_EVERY)
    )


def _local_time(at: datetime) -> str:
    return time_format(timezone.localtime(at), "TIME_FORMAT")


def _tell(token: Token, item: QueueItem, *, now: datetime) -> None:
    """One message, in the patient's language, and the new estimate remembered as told."""
    with translation.override(language_for(token.patient)):
        detail = gettext(
            "You are now expected to be called at about %(time)s (between %(from)s and %(to)s)."
        ) % {
            "time": _local_time(item.estimated_time),
            "from": _local_time(item.estimated_from or item.estimated_time),
            "to": _local_time(item.estimated_to or item.estimated_time),
        }
    notify_patient(patient=token.patient, kind=EventKind.ESTIMATE_MOVED, token=token, detail=detail)
    Token.objects.filter(pk=token.pk).update(told_estimate=item.estimated_time, moved_notice_at=now)


def _tell_day(doctor_day: DoctorDay, moved: dict[int, QueueItem], *, now: datetime) -> int:
    """Under the day's lock, tell those still moved (another tick may have told them)."""
    threshold = timedelta(minutes=policy.estimate_move_notice_minutes())
    told = 0
    with doctor_day_locked(doctor_id=doctor_day.doctor_id, day=doctor_day.date):
        tokens = Token.objects.filter(pk__in=list(moved), status__in=STILL_TO_CALL).select_related(
            "patient", "slot", "doctor_day__doctor__user"
        )
        for token in tokens.order_by("pk"):
            item = moved[token.pk]
            item.token = token
            if _moved(item, now=now, threshold=threshold):
                _tell(token, item, now=now)
                told += 1
    return told


def notice_moved_estimates(*, doctor_day_ids: Collection[int] | None = None) -> int:
    """Today's patients whose expected call moved later than they were told by more than the
    threshold get one notice each (at most one an hour); answers how many were told.

    The queues of the days with someone told are read at once (``serving_orders``); only the
    days with a notice to send are locked.
    """
    now = clock.now()
    threshold = timedelta(minutes=policy.estimate_move_notice_minutes())
    days = DoctorDay.objects.filter(
        date=clock.today(),
        tokens__status__in=STILL_TO_CALL,
        tokens__told_estimate__isnull=False,
    )
    if doctor_day_ids is not None:
        days = days.filter(id__in=doctor_day_ids)
    days = list(days.distinct().select_related("doctor").order_by("id"))
    if not days:
        return 0
    told = 0
    queues = serving_orders(days)
    for doctor_day in days:
        moved = {
            item.token.pk: item
            for item in queues[doctor_day.id]
            if _moved(item, now=now, threshold=threshold)
        }
        if moved:
            told += _tell_day(doctor_day, moved, now=now)
    if told:
        logger.info("estimate notices queued: %d", told)
    return told
