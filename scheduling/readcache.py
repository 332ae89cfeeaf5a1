"""The read cache of the live queue: each doctor-day's serving order and estimates, and the
pages and answers built from it, kept in Django's cache (``CACHE_URL``).

Every change to a day bumps ``DoctorDay.version`` in the change's own transaction
(``scheduling.locking``), and every key holds the version the reader has just read, so a read
never shows a state older than the last committed change. The estimates depend on the clock
too: a day's queue is computed again at least every ``QUEUE_SECONDS``, and what is relative to
now (minutes to wait, the time a page was updated) is computed for each request from the cached
absolute times, never cached itself.
"""

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Model

from opd_site import clock
from scheduling.models import DoctorDay, Slot, Token
from scheduling.selectors import QUEUED_STATUSES, QueueItem, serving_orders

QUEUE_SECONDS = 15  # a day's queue is walked again at least this often (the estimates move)
TIMEOUT_SECONDS = 120  # how long an entry is kept; its key is stale long before


class Place(NamedTuple):
    """One queued token as the cache keeps it: what the pages, the board and the API show."""

    token_id: int
    number: int
    status: str
    slot_id: int
    slot_start: datetime
    slot_end: datetime
    estimated_time: datetime
    estimated_from: datetime | None
    estimated_to: datetime | None

    def wait_minutes(self, now: datetime) -> int:
        """Minutes until the expected call, from ``now`` (as ``estimates.Estimate``)."""
        return max(0, math.ceil((self.estimated_time - now).total_seconds() / 60))


class DayQueue(NamedTuple):
    """A doctor-day's queue in serving order, with a digest of it for keys and ETags."""

    places: tuple[Place, ...]
    digest: str

    def position_of(self, token_id: int) -> tuple[int, Place] | None:
        for position, place in enumerate(self.places, start=1):
            if place.token_id == token_id:
                return position, place
        return None


def digest(*parts) -> str:
    """A short stable hash of ``parts`` (their ``repr``): for cache keys and ETags."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def row(instance: Model | None) -> tuple:
    """A model row's column values: what changes when the row does (for keys and ETags)."""
    if instance is None:
        return ()
    return tuple(value for name, value in vars(instance).items() if name != "_state")


def _queue_key(doctor_day: DoctorDay, now: datetime) -> str:
    turn = int(now.timestamp()) // QUEUE_SECONDS
    # The doctor and date besides the id: an id reused after a day was deleted never matches.
    return (
        f"opd:queue:{doctor_day.pk}:{doctor_day.doctor_id}:{doctor_day.date.isoformat()}:"
        f"{doctor_day.version}:{turn}"
    )


def _day_queue(items: Sequence[QueueItem]) -> DayQueue:
    places = tuple(
        Place(
            token_id=item.token.pk,
            number=item.token.number,
            status=item.token.status,
            slot_id=item.token.slot_id,
            slot_start=item.token.slot.start,
            slot_end=item.token.slot.end,
            estimated_time=item.estimated_time,
            estimated_from=item.estimated_from,
            estimated_to=item.estimated_to,
        )
        for item in items
    )
    return DayQueue(places=places, digest=digest(places))


def day_queues(doctor_days: Iterable[DoctorDay]) -> dict[int, DayQueue]:
    """Each day's queue, from the cache or walked now (``serving_orders``, for the missing days
    at once). ``version`` must be the one just read; ``doctor_day.doctor`` is read on a miss."""
    now = clock.now()
    days = {day.pk: day for day in doctor_days}
    keys = {day_id: _queue_key(day, now) for day_id, day in days.items()}
    found = cache.get_many(list(keys.values())) if keys else {}
    queues = {day_id: found[key] for day_id, key in keys.items() if key in found}
    missing = [day for day_id, day in days.items() if day_id not in queues]
    if missing:
        walked = {day_id: _day_queue(items) for day_id, items in serving_orders(missing).items()}
        cache.set_many({keys[day_id]: queue for day_id, queue in walked.items()}, TIMEOUT_SECONDS)
        queues.update(walked)
    return queues


def queue_item(token: Token, queue: DayQueue, *, now: datetime) -> QueueItem | None:
    """The token's place as ``selectors.queue_item_for`` gives it, from the cached queue."""
    if token.status not in QUEUED_STATUSES:
        return None
    found = queue.position_of(token.pk)
    if found is None:
        return None
    position, place = found
    return _item(token, position, place, now)


def _item(token: Token, position: int, place: Place, now: datetime) -> QueueItem:
    return QueueItem(
        token,
        position,
        place.estimated_time,
        place.wait_minutes(now),
        estimated_from=place.estimated_from,
        estimated_to=place.estimated_to,
    )


def queue_items(queue: DayQueue, *, doctor_day: DoctorDay, now: datetime) -> list[QueueItem]:
    """The day's whole queue as ``selectors.serving_order`` gives it (without the baseline),
    rebuilt from the cache: tokens carry their number, status and slot."""
    items = []
    for position, place in enumerate(queue.places, start=1):
        slot = Slot(id=place.slot_id, start=place.slot_start, end=place.slot_end)
        token = Token(
            id=place.token_id, number=place.number, status=place.status, slot_id=place.slot_id
        )
        token.slot, token.doctor_day = slot, doctor_day
        items.append(_item(token, position, place, now))
    return items


def get(key: str):
    return cache.get(f"opd:page:{key}")


def put(key: str, value) -> None:
    cache.set(f"opd:page:{key}", value, TIMEOUT_SECONDS)
