"""Reports: cancellations and emergencies over a date range."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import (
    IsFrontDesk,
)
from doctors.models import Doctor
from opd_site.api_base import MAX_ID, ApiView, IdFilter, ListApi
from opd_site.api_errors import error_responses
from scheduling.api.answers import DATE_RANGE_PARAMETERS, DOCTOR_PARAMETER, REPORTS
from scheduling.api.serializers import (
    CancellationSerializer,
    CancellationStatsSerializer,
    DateRangeQuerySerializer,
    EmergencyStatsSerializer,
)
from scheduling.models import CancelledBy, Source, Token, TokenStatus
from scheduling.selectors import (
    visible_tokens,
)
from scheduling.stats import cancellation_stats, emergency_stats

CancellationFilter = type(
    "CancellationFilter",
    (filters.FilterSet,),
    {
        "doctor": IdFilter(field_name="doctor_day__doctor_id", label="Doctor id"),
        "from": filters.DateFilter(
            field_name="cancelled_at", lookup_expr="date__gte", label="Cancelled on or after"
        ),
        "to": filters.DateFilter(
            field_name="cancelled_at", lookup_expr="date__lte", label="Cancelled on or before"
        ),
        "reason": filters.CharFilter(
            field_name="cancellation_reason", lookup_expr="icontains", max_length=100
        ),
        "cancelled_by": filters.ChoiceFilter(choices=CancelledBy.choices),
        "source": filters.ChoiceFilter(choices=Source.choices),
        "Meta": type(
            "Meta",
            (),
            {
                "model": Token,
                "fields": ["doctor", "from", "to", "reason", "cancelled_by", "source"],
            },
        ),
    },
)


# Emergencies.


class CancellationListApi(ListApi):
    """The front desk sees every cancellation; patients their own, doctors their patients'."""

    permission_classes = [IsAuthenticated]
    serializer_class = CancellationSerializer
    filterset_class = CancellationFilter

    def get_queryset(self):
        return (
            visible_tokens(self.request.user)
            .filter(status=TokenStatus.CANCELLED)
            .select_related("refund")
            .order_by("-cancelled_at", "-id")
        )

    @extend_schema(
        tags=[REPORTS],
        summary="Cancellation history",
        responses={200: CancellationSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReportQuerySerializer(DateRangeQuerySerializer):
    doctor = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    class Meta:
        ref_name = "ReportQuery"

    def validate(self, attrs):
        doctor_id = attrs.pop("doctor", None)
        answer = super().validate(attrs)
        answer["doctor"] = None
        if doctor_id is not None:
            answer["doctor"] = Doctor.objects.filter(pk=doctor_id).first()
            if answer["doctor"] is None:
                raise serializers.ValidationError({"doctor": ["No such doctor."]})
        return answer


class CancellationStatsApi(ApiView):
    permission_classes = [IsFrontDesk]

    @extend_schema(
        tags=[REPORTS],
        summary="Cancellations by reason, source and canceller; refund totals",
        parameters=[*DATE_RANGE_PARAMETERS, DOCTOR_PARAMETER],
        responses={200: CancellationStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            CancellationStatsSerializer(cancellation_stats(**query.validated_data)).data
        )


class EmergencyStatsApi(ApiView):
    permission_classes = [IsFrontDesk]

    @extend_schema(
        tags=[REPORTS],
        summary="Emergencies: count, overflows, minutes from request to consultation",
        parameters=[*DATE_RANGE_PARAMETERS, DOCTOR_PARAMETER],
        responses={200: EmergencyStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(EmergencyStatsSerializer(emergency_stats(**query.validated_data)).data)
