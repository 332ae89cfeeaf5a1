"""Idempotency-Key for the API's writes: a retried request gets the first answer, never a second
booking.

The answer to a booking is built and stored inside the booking's own transaction (the engine's
``inside`` hook, see ``AnswerInTransaction``): a process that dies after the commit has stored
the answer too, so the client's retry gets it back instead of ``409 already_booked``.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
)
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from scheduling.errors import AlreadyBooked
from scheduling.idempotency import (
    MAX_KEY_LENGTH,
    StoredAnswer,
    fingerprint,
    remember_answer,
    stored_answer,
)
from scheduling.services.outcomes import Allocation

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (up to 100 printable ASCII characters). Repeating a request with "
        "the same key and body returns the first answer instead of booking twice; the same "
        "key with another body answers 409 `idempotency_key_reused`. Keys lapse after "
        f"{settings.OPD['IDEMPOTENCY_KEY_HOURS']} hours."
    ),
)


STORED_STATUSES = (status.HTTP_201_CREATED, status.HTTP_202_ACCEPTED)


@dataclass
class PendingKey:
    """A new Idempotency-Key of this request, waiting for the answer to store under it."""

    user: object
    key: str
    request_hash: str
    stored: bool = False

    def remember(self, response: Response) -> None:
        """Store the answer exactly as the client will read it (its rendered JSON)."""
        remember_answer(
            user=self.user,
            key=self.key,
            request_hash=self.request_hash,
            status=response.status_code,
            body=json.loads(JSONRenderer().render(response.data)),
        )
        self.stored = True


class AnswerInTransaction:
    """The engine's ``inside`` hook: present the allocation and store that answer under the
    request's Idempotency-Key, before the booking commits; ``response`` is then the answer.

    ``present`` turns the allocation into the view's response (``allocation_answer``).
    """

    def __init__(self, request, present: Callable[[Allocation], Response]):
        self.request = request
        self.present = present
        self.response: Response | None = None

    def __call__(self, allocation: Allocation) -> None:
        self.response = self.present(allocation)
        pending: PendingKey | None = getattr(self.request, "idempotency", None)
        if pending is not None and self.response.status_code in STORED_STATUSES:
            pending.remember(self.response)


def _replay(stored: StoredAnswer) -> Response:
    return Response(stored.body, status=stored.status, headers={"Idempotent-Replayed": "true"})


def idempotent(post: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a view's ``post``: a repeated Idempotency-Key gets the stored first answer;
    otherwise the view runs, and a created (201) or accepted (202) answer is stored — inside the
    booking's transaction when the view passes an ``AnswerInTransaction`` to the engine.
    """

    @functools.wraps(post)
    def answer(view, request, *args, **kwargs) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return post(view, request, *args, **kwargs)
        if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
            raise serializers.ValidationError(
                {"Idempotency-Key": [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters."]}
            )
        request_hash = fingerprint(method=request.method, path=request.path, body=request.data)
        stored = stored_answer(user=request.user, key=key, request_hash=request_hash)
        if stored is not None:
            return _replay(stored)
        pending = PendingKey(user=request.user, key=key, request_hash=request_hash)
        request.idempotency = pending
        try:
            response = post(view, request, *args, **kwargs)
        except AlreadyBooked:
            # A twin with this key (a retry sent while the first was still running) waited for
            # the same doctor-day lock, and the first one booked and stored its answer.
            stored = stored_answer(user=request.user, key=key, request_hash=request_hash)
            if stored is not None:
                return _replay(stored)
            raise
        if not pending.stored and response.status_code in STORED_STATUSES:
            pending.remember(response)
        return response

    return answer
