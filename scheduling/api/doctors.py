"""A doctor's days as allocation sees them: availability, slots, stats and delay."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from doctors.api.serializers import (
    DoctorSerializer,
)
from doctors.api.views import (
    DATE_PARAMETER,
    DOCTORS,
    DayQuerySerializer,
    find_doctor,
    require_staff_or_the_doctor,
)
from opd_site import clock
from opd_site.api_base import ApiView, ListApi
from opd_site.api_errors import error_responses
from scheduling.api.answers import DATE_RANGE_PARAMETERS
from scheduling.api.serializers import (
    DateRangeQuerySerializer,
    DoctorStatsSerializer,
    RehomedSerializer,
    SlotAvailabilitySerializer,
)
from scheduling.selectors import doctor_slots
from scheduling.services.delay import set_delay
from scheduling.services.unavailability import set_availability
from scheduling.stats import doctor_stats


class DoctorAvailabilityApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        is_available = serializers.BooleanField()
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

        class Meta:
            ref_name = "DoctorAvailability"

    class OutputSerializer(serializers.Serializer):
        doctor = DoctorSerializer()
        rehomed = RehomedSerializer(
            many=True, help_text="Today's tokens moved or cancelled because the doctor left."
        )

        class Meta:
            ref_name = "DoctorAvailabilityResult"

    @extend_schema(
        tags=[DOCTORS],
        summary="Set a doctor available or unavailable",
        description=(
            "Going unavailable closes the rest of today: tokens move to later slots where "
            "possible, else they are cancelled by the hospital and carried to the next working day."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 415, 503)},
        examples=[
            OpenApiExample(
                "Called away",
                value={"is_available": False, "reason": "Called to theatre."},
                request_only=True,
            )
        ],
    )
    def post(self, request, pk: int):
        doctor = find_doctor(pk)
        require_staff_or_the_doctor(request.user, doctor)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rehomed = set_availability(doctor=doctor, actor=request.user, **body.validated_data)
        answer = {"doctor": find_doctor(pk), "rehomed": rehomed}
        return Response(self.OutputSerializer(answer).data)


class DoctorSlotsApi(ListApi):
    permission_classes = [AllowAny]
    serializer_class = SlotAvailabilitySerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        doctor = find_doctor(self.kwargs["pk"])
        query = DayQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return doctor_slots(doctor=doctor, day=query.validated_data.get("date") or clock.today())

    @extend_schema(
        tags=[DOCTORS],
        summary="A doctor's slots on a date, with seats booked and free",
        auth=[],
        parameters=[DATE_PARAMETER],
        responses={200: SlotAvailabilitySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DoctorStatsApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[DOCTORS],
        summary="A doctor's figures over a day or a range",
        parameters=DATE_RANGE_PARAMETERS,
        responses={200: DoctorStatsSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        doctor = find_doctor(pk)
        require_staff_or_the_doctor(request.user, doctor)
        query = DateRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = doctor_stats(doctor=doctor, **query.validated_data)
        return Response(DoctorStatsSerializer(stats).data)


class DoctorDelayApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        minutes = serializers.IntegerField(
            min_value=0, max_value=720, help_text="0 clears the delay."
        )
        date = serializers.DateField(required=False, help_text="Defaults to today.")
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

        class Meta:
            ref_name = "DoctorDelay"

    class OutputSerializer(serializers.Serializer):
        date = serializers.DateField(source="doctor_day.date")
        delay_minutes = serializers.IntegerField(source="doctor_day.delay_minutes")
        delay_reason = serializers.CharField(source="doctor_day.delay_reason")
        rehomed = RehomedSerializer(many=True)

        class Meta:
            ref_name = "DoctorDelayResult"

    @extend_schema(
        tags=[DOCTORS],
        summary="Record, revise or clear that the doctor runs late",
        description=(
            "Estimated times shift at once; slots the delay eats into shrink, and their excess "
            "lowest-priority tokens move to later slots or to the waiting list."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 415, 503)},
    )
    def post(self, request, pk: int):
        doctor = find_doctor(pk)
        require_staff_or_the_doctor(request.user, doctor)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        doctor_day, rehomed = set_delay(
            doctor=doctor,
            day=data.get("date"),
            minutes=data["minutes"],
            reason=data.get("reason", ""),
            actor=request.user,
        )
        return Response(self.OutputSerializer({"doctor_day": doctor_day, "rehomed": rehomed}).data)
