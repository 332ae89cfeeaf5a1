"""Slots: availability, the slot's tokens, cancelling a slot (doctor unavailable) and the capacity
override.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import (
    allows,
    is_doctor_user,
    is_front_desk,
    require,
)
from accounts.roles import Act
from opd_site.api_base import ApiView, ListApi
from opd_site.api_errors import error_responses
from scheduling.api.answers import SLOTS
from scheduling.api.serializers import (
    RehomedSerializer,
    SlotDetailSerializer,
    TokenSerializer,
)
from scheduling.api.tokens import TokenFilter
from scheduling.models import Slot, Token
from scheduling.selectors import (
    slot_availability,
    visible_tokens,
)
from scheduling.services.capacity import override_slot
from scheduling.services.unavailability import cancel_slot


def find_slot(pk: int) -> Slot:
    return get_object_or_404(
        Slot.objects.select_related("doctor_day__doctor__user", "doctor_day__doctor__department"),
        pk=pk,
    )


def slot_detail(slot: Slot) -> dict:
    availability = slot_availability(slot)
    availability.slot = slot
    return SlotDetailSerializer(availability).data


class SlotDetailApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[SLOTS],
        summary="Availability of one slot",
        auth=[],
        responses={200: SlotDetailSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(slot_detail(find_slot(pk)))


class SlotTokensApi(ListApi):
    permission_classes = [IsAuthenticated]
    serializer_class = TokenSerializer
    filterset_class = TokenFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Token.objects.none()
        slot = find_slot(self.kwargs["pk"])
        user = self.request.user
        require(
            is_front_desk(user) or is_doctor_user(user, slot.doctor_day.doctor),
            "Only the front desk or the slot's doctor may list its tokens.",
        )
        return visible_tokens(user).filter(slot=slot).order_by("number")

    @extend_schema(
        tags=[SLOTS],
        summary="The slot's tokens (front desk or its doctor)",
        responses={200: TokenSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SlotCancelApi(ApiView):
    permission_classes = [allows(Act.CANCEL_SLOT)]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "SlotCancel"

    class OutputSerializer(serializers.Serializer):
        slot = SlotDetailSerializer()
        rehomed = RehomedSerializer(many=True, help_text="What happened to each token.")

        class Meta:
            ref_name = "SlotCancelResult"

    @extend_schema(
        tags=[SLOTS],
        summary="The doctor cannot see this slot",
        description=(
            "Its tokens move, in priority order, to later slots of the day with room; those "
            "that do not fit are cancelled by the hospital (refund-eligible) and put on the "
            "doctor's next working day's waiting list."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 415, 503)},
    )
    def post(self, request, pk: int):
        slot = find_slot(pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rehomed = cancel_slot(
            slot=slot, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        answer = {
            "slot": slot_detail(find_slot(pk)),
            "rehomed": RehomedSerializer(rehomed, many=True).data,
        }
        return Response(answer)


class SlotOverrideApi(ApiView):
    permission_classes = [allows(Act.OVERRIDE_CAPACITY)]

    class InputSerializer(serializers.Serializer):
        capacity = serializers.IntegerField(min_value=0, max_value=500, required=False)
        emergency_reserve = serializers.IntegerField(min_value=0, max_value=500, required=False)
        walk_in_reserve = serializers.IntegerField(min_value=0, max_value=500, required=False)
        reason = serializers.CharField(max_length=300)

        class Meta:
            ref_name = "SlotOverride"

        def validate(self, attrs):
            if not {"capacity", "emergency_reserve", "walk_in_reserve"} & set(attrs):
                raise serializers.ValidationError(
                    {"capacity": ["Give a capacity, an emergency reserve or a walk-in reserve."]}
                )
            return attrs

    @extend_schema(
        tags=[SLOTS],
        summary="Change a slot's capacity or reserves (administrator)",
        description="An increase promotes from the waiting list at once.",
        request=InputSerializer,
        responses={200: SlotDetailSerializer, **error_responses(400, 401, 403, 404, 409, 415, 503)},
    )
    def post(self, request, pk: int):
        slot = find_slot(pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        override_slot(slot=slot, actor=request.user, **body.validated_data)
        return Response(slot_detail(find_slot(pk)))
