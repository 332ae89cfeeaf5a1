"""Idempotency-Key for the API's writes: a retried request gets the first answer, never a second
booking.
"""

import functools
import json
from collections.abc import Callable

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
)
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from scheduling.idempotency import (
    MAX_KEY_LENGTH,
    fingerprint,
    remember_answer,
    stored_answer,
)

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


def idempotent(post: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a view's ``post``: a repeated Idempotency-Key gets the stored first answer;
    otherwise the view runs and a created (201) or accepted (202) answer is stored."""

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
            return Response(
                stored.body, status=stored.status, headers={"Idempotent-Replayed": "true"}
            )
        response = post(view, request, *args, **kwargs)
        if response.status_code in (status.HTTP_201_CREATED, status.HTTP_202_ACCEPTED):
            remember_answer(
                user=request.user,
                key=key,
                request_hash=request_hash,
                status=response.status_code,
                body=json.loads(JSONRenderer().render(response.data)),
            )
        return response

    return answer
