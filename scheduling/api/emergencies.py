"""Emergencies: always admitted to the slot in progress; and which slot that is."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.api.permissions import (
    IsFrontDesk,
)
from accounts.models import Patient
from doctors.models import Doctor
from opd_site.api_base import MAX_ID, ApiView, ObjectIdField
from opd_site.api_errors import error_responses
from scheduling.api.answers import REPORTS, allocation_answer, showing_existing_booking
from scheduling.api.idempotency import IDEMPOTENCY_PARAMETER, AnswerInTransaction, idempotent
from scheduling.api.serializers import (
    SlotDetailSerializer,
    TokenCreatedSerializer,
)
from scheduling.api.slots import find_slot, slot_detail
from scheduling.selectors import (
    current_slot,
)
from scheduling.services.emergencies import admit_emergency


class EmergencyCreateApi(ApiView):
    permission_classes = [IsFrontDesk]
    throttle_scope = "tokens"

    class InputSerializer(serializers.Serializer):
        doctor = ObjectIdField(queryset=Doctor.objects.select_related("user", "department"))
        patient = ObjectIdField(queryset=Patient.objects.all())
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "EmergencyAdmission"

    @extend_schema(
        tags=[REPORTS],
        summary="Admit an emergency now (front desk)",
        description=(
            "Always admitted to the slot in progress (or the next): a free seat, the emergency "
            "reserve, by moving a lower-priority token, or past capacity as a recorded overflow."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={
            201: TokenCreatedSerializer,
            **error_responses(400, 401, 403, 409, 415, 429, 503),
        },
    )
    @idempotent
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        answer = AnswerInTransaction(
            request,
            lambda allocation: allocation_answer(
                allocation, request.user, doctor=data["doctor"], request=request
            ),
        )
        with showing_existing_booking(request.user, request):
            admit_emergency(
                doctor=data["doctor"],
                patient=data["patient"],
                reason=data.get("reason", ""),
                actor=request.user,
                inside=answer,
            )
        return answer.response


class CurrentSlotQuerySerializer(serializers.Serializer):
    doctor = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    class Meta:
        ref_name = "CurrentSlotQuery"


class EmergencyCurrentSlotApi(ApiView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        doctor = serializers.IntegerField()
        slot = SlotDetailSerializer(allow_null=True, help_text="None when no slot is left today.")

        class Meta:
            ref_name = "CurrentSlot"

    @extend_schema(
        tags=[REPORTS],
        summary="The doctor's slot in progress now (else the next one today)",
        auth=[],
        parameters=[
            OpenApiParameter("doctor", OpenApiTypes.INT, required=True, description="Doctor id.")
        ],
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        query = CurrentSlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        doctor = get_object_or_404(Doctor, pk=query.validated_data["doctor"])
        slot = current_slot(doctor=doctor)
        detail = slot_detail(find_slot(slot.pk)) if slot is not None else None
        return Response({"doctor": doctor.pk, "slot": detail})
