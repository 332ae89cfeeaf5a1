"""The one source of "now". Tests and the day simulation move it; nothing else reads time."""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.utils import timezone

_source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    """The current moment, timezone-aware."""
    return _source()


def today() -> date:
    """Today's date in the hospital's time zone."""
    return timezone.localdate(now())


def set_source(source: Callable[[], datetime]) -> None:
    global _source
    _source = source


def reset() -> None:
    set_source(timezone.now)


class FrozenClock:
    """A clock that stands still until moved: ``clock.advance(minutes=5)``."""

    def __init__(self, at: datetime):
        if timezone.is_naive(at):
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@contextmanager
def frozen(at: datetime):
    """Freeze "now" at ``at`` for the block; yields the clock so the block can move it."""
    previous = _source
    clock = FrozenClock(at)
    set_source(clock)
    try:
        yield clock
    finally:
        set_source(previous)
