"""The waiting list: entries with their computed position, and leaving the list."""

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import is_front_desk, owns_patient_record, require
from opd_site.api_base import ApiView, IdFilter, ListApi
from opd_site.api_errors import error_responses
from scheduling.api.serializers import WaitingEntrySerializer
from scheduling.models import WaitingEntry
from scheduling.selectors import visible_waiting, with_positions
from scheduling.services.waiting_list import cancel_waiting

WAITING = "waiting list"


def waiting_queryset(user):
    return with_positions(visible_waiting(user))


class WaitingFilter(filters.FilterSet):
    doctor = IdFilter(field_name="doctor_day__doctor_id", label="Doctor id")
    date = filters.DateFilter(field_name="doctor_day__date")
    status = filters.ChoiceFilter(choices=WaitingEntry.Status.choices)

    class Meta:
        model = WaitingEntry
        fields = ["doctor", "date", "status"]


class WaitingListApi(ListApi):
    """Patients see their own entries, doctors their days', the front desk every entry."""

    permission_classes = [IsAuthenticated]
    serializer_class = WaitingEntrySerializer
    filterset_class = WaitingFilter

    def get_queryset(self):
        return waiting_queryset(self.request.user).order_by(
            "doctor_day__date", "doctor_day_id", "-priority", "requested_at", "id"
        )

    @extend_schema(
        tags=[WAITING],
        summary="Waiting-list entries you may see, with live positions",
        responses={200: WaitingEntrySerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WaitingDetailApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[WAITING],
        summary="One waiting-list entry",
        responses={200: WaitingEntrySerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        entry = get_object_or_404(waiting_queryset(request.user), pk=pk)
        return Response(WaitingEntrySerializer(entry, context={"request": request}).data)


class WaitingCancelApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "WaitingCancel"

    @extend_schema(
        tags=[WAITING],
        summary="Leave the waiting list (the patient or the front desk)",
        request=InputSerializer,
        responses={
            200: WaitingEntrySerializer,
            **error_responses(400, 401, 403, 404, 409, 415, 503),
        },
    )
    def post(self, request, pk: int):
        entry = get_object_or_404(waiting_queryset(request.user), pk=pk)
        require(
            is_front_desk(request.user) or owns_patient_record(request.user, entry.patient),
            "Only the patient or the front desk may do this.",
        )
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cancel_waiting(
            entry=entry, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        entry = get_object_or_404(waiting_queryset(request.user), pk=pk)
        return Response(WaitingEntrySerializer(entry, context={"request": request}).data)
