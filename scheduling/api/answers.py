"""What the allocation endpoints share: resource tags, parameters, and how a token or an allocation
is answered.
"""

from contextlib import contextmanager

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
)
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.permissions import (
    is_front_desk,
    owns_patient_record,
    require,
)
from doctors.models import Doctor
from opd_site.api_base import represent
from scheduling.api.serializers import (
    AllocationSerializer,
    TokenDetailSerializer,
    TokenSerializer,
    WaitingEntrySerializer,
)
from scheduling.errors import AlreadyBooked
from scheduling.models import Token
from scheduling.selectors import (
    queue_item_for,
    token_history,
    visible_tokens,
    visible_waiting,
    with_positions,
)
from scheduling.services.outcomes import Allocation

TOKENS = "tokens"


SLOTS = "slots"


REPORTS = "cancellations and emergencies"


REFUNDS = "refunds"


DATE_RANGE_PARAMETERS = [
    OpenApiParameter("date", OpenApiTypes.DATE, description="One day (YYYY-MM-DD)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of a range."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of a range (inclusive)."),
]


DOCTOR_PARAMETER = OpenApiParameter("doctor", OpenApiTypes.INT, description="Doctor id.")


def describe_token(token: Token) -> dict:
    """A token with its history and its place in the queue.

    Reads ``token.slot``, ``token.original_slot``, ``token.patient`` and
    ``token.doctor_day.doctor`` with its user and department: load them with the token.
    """
    token.history_events = list(token_history(token))
    token.queue_item = queue_item_for(token)
    return represent(TokenDetailSerializer, token)


def token_detail(token: Token, user) -> dict:
    """A token as the viewer may see it, read afresh."""
    return describe_token(visible_tokens(user).get(pk=token.pk))


def find_visible_token(user, pk: int) -> Token:
    """A token the viewer may see, else 404 (another patient's token does not exist for you)."""
    return get_object_or_404(visible_tokens(user), pk=pk)


def allocation_answer(allocation: Allocation, user, *, doctor: Doctor, request=None) -> Response:
    """201 with the token, or 202 with the waiting entry; both say what the engine did.

    The token is shown as the engine just wrote it, without reading it back: whoever booked
    it may see it (a patient books only for themselves, the front desk for anyone). ``doctor``
    is the request's doctor, with the user and department the answer names.
    """
    outcome = represent(AllocationSerializer, allocation)
    if allocation.token is not None:
        token = allocation.token
        token.doctor_day.doctor = doctor
        # The engine keeps what it just wrote and read under the lock: the new token's one
        # event, and its place in the queue (read to remember the estimate the patient is told).
        history = getattr(token, "issued_history", None)
        item = getattr(token, "told_queue_item", None)
        if history is None or item is None:
            return Response({**describe_token(token), "allocation": outcome}, status=201)
        token.history_events = history
        token.queue_item = item
        return Response(
            {**represent(TokenDetailSerializer, token), "allocation": outcome}, status=201
        )
    entry = with_positions(visible_waiting(user)).get(pk=allocation.waiting.pk)
    return Response(
        {
            "waiting": WaitingEntrySerializer(entry, context={"request": request}).data,
            "allocation": outcome,
        },
        status=202,
    )


@contextmanager
def showing_existing_booking(user, request=None):
    """A duplicate request's 409 carries the existing token or waiting entry in full."""
    try:
        yield
    except AlreadyBooked as refusal:
        details = refusal.details
        if "token" in details:
            token = visible_tokens(user).filter(pk=details["token"]).first()
            details["existing"] = TokenSerializer(token).data if token else None
        elif "waiting" in details:
            entry = with_positions(visible_waiting(user)).filter(pk=details["waiting"]).first()
            details["existing"] = (
                WaitingEntrySerializer(entry, context={"request": request}).data if entry else None
            )
        raise


class WaitlistedSerializer(serializers.Serializer):
    waiting = WaitingEntrySerializer()
    allocation = AllocationSerializer()

    class Meta:
        ref_name = "Waitlisted"


def require_owner_or_staff(user, token: Token) -> None:
    require(
        is_front_desk(user) or owns_patient_record(user, token.patient),
        "Only the patient or the front desk may do this.",
    )
