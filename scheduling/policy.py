"""The allocation policy's numbers, read from ``settings.OPD`` (the one place they live)."""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from scheduling.models import ADVANCE_SOURCES, Source


def _opd(key: str):
    return settings.OPD[key]


def priority_for(source: str) -> int:
    return int(_opd("PRIORITIES")[Source(source).value])


def emergency_priority() -> int:
    return priority_for(Source.EMERGENCY)


def is_advance(source: str) -> bool:
    return source in ADVANCE_SOURCES


def booking_window_days() -> int:
    return int(_opd("BOOKING_WINDOW_DAYS"))


def max_bumps() -> int:
    return int(_opd("MAX_BUMPS"))


def refund_cutoff_hours() -> int:
    return int(_opd("REFUND_CUTOFF_HOURS"))


def no_show_grace_minutes() -> int:
    return int(_opd("NO_SHOW_GRACE_MINUTES"))


def no_show_block_after() -> int:
    return int(_opd("NO_SHOW_BLOCK_AFTER"))


def no_show_window_days() -> int:
    return int(_opd("NO_SHOW_WINDOW_DAYS"))


def walk_in_release_minutes() -> int:
    return int(_opd("WALK_IN_RELEASE_MINUTES"))


def follow_up_days() -> int:
    return int(_opd("FOLLOW_UP_DAYS"))


def rolling_average_weight() -> float:
    return float(_opd("ROLLING_AVERAGE_WEIGHT"))


def lock_timeout_ms() -> int:
    return int(_opd("LOCK_TIMEOUT_MS"))


def notification_max_attempts() -> int:
    return int(_opd("NOTIFICATION_MAX_ATTEMPTS"))


def notification_retry_minutes() -> int:
    return int(_opd("NOTIFICATION_RETRY_MINUTES"))


def notification_lease_minutes() -> int:
    return int(_opd("NOTIFICATION_LEASE_MINUTES"))


def estimate_move_notice_minutes() -> int:
    return int(_opd("ESTIMATE_MOVE_NOTICE_MINUTES"))


def idempotency_key_hours() -> int:
    return int(_opd("IDEMPOTENCY_KEY_HOURS"))


def online_payment_provider() -> Callable[..., bool] | None:
    """The callable that confirms a patient's online payment, or None when none is configured."""
    path = settings.OPD.get("ONLINE_PAYMENT_PROVIDER") or ""
    return import_string(path) if path else None
