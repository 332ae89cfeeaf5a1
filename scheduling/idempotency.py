"""Idempotency keys for token-creating requests: the same key and body get the first answer.

A client that retries a booking after a timeout sends the same ``Idempotency-Key``: the stored
answer (status and body) is returned instead of booking twice. The same key with another body
is refused. Keys belong to one user and lapse after ``OPD["IDEMPOTENCY_KEY_HOURS"]`` hours.
Only answers that created something (201, 202) are stored: a refused request may be retried.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from opd_site import clock
from scheduling import policy
from scheduling.errors import DomainError
from scheduling.models import IdempotencyKey

MAX_KEY_LENGTH = 100


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 409
    default_message = _("This Idempotency-Key was already used with a different request.")


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: dict


def fingerprint(*, method: str, path: str, body) -> str:
    """A stable hash of what was asked: method, path and the JSON body (key order ignored)."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _expired_before() -> datetime:
    return clock.now() - timedelta(hours=policy.idempotency_key_hours())


def stored_answer(*, user, key: str, request_hash: str) -> StoredAnswer | None:
    """The first answer to this key, or None if the key is new (or has lapsed)."""
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return None
    if row.created_at <= _expired_before():
        row.delete()
        return None
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(details={"key": key})
    return StoredAnswer(status=row.response_status, body=row.response_body)


def remember_answer(*, user, key: str, request_hash: str, status: int, body: dict) -> None:
    """Store the answer; a concurrent twin that stored first wins (the engine refused ours)."""
    IdempotencyKey.objects.bulk_create(
        [
            IdempotencyKey(
                user=user,
                key=key,
                request_hash=request_hash,
                response_status=status,
                response_body=body,
                created_at=clock.now(),
            )
        ],
        ignore_conflicts=True,
    )


def purge_expired_keys() -> int:
    """Delete lapsed keys (for the periodic tick); returns how many were removed."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=_expired_before()).delete()
    return deleted
