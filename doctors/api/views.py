"""Departments and doctors: profiles, availability, slots, the live queue and stats."""

from django.db import IntegrityError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import (
    IsAdminRole,
    is_admin,
    is_doctor_user,
    is_front_desk,
    require,
)
from accounts.models import User
from accounts.services import ensure_password_acceptable
from doctors.api.serializers import (
    DepartmentSerializer,
    DoctorCreateSerializer,
    DoctorSerializer,
    DoctorUpdateSerializer,
)
from doctors.models import Department, Doctor
from doctors.services import register_doctor, set_availability
from opd_site.api_base import ApiView, IdFilter, ListApi
from opd_site.api_errors import error_responses
from queueing.api.serializers import QueueItemSerializer
from queueing.selectors import serving_order
from scheduling import clock
from scheduling.api.serializers import (
    DateRangeQuerySerializer,
    DoctorStatsSerializer,
    RehomedSerializer,
    SlotAvailabilitySerializer,
    TokenDetailSerializer,
)
from scheduling.api.views import DATE_RANGE_PARAMETERS, token_detail
from scheduling.errors import DomainError
from scheduling.models import DoctorDay
from scheduling.selectors import doctor_slots
from scheduling.services.capacity import set_delay
from scheduling.services.lifecycle import call_next
from scheduling.stats import doctor_stats

DOCTORS = "doctors"


class DoctorConflict(DomainError):
    code = "doctor_conflict"
    default_message = "Another doctor or account already uses these details."


def doctors_queryset():
    return Doctor.objects.select_related("user", "department").prefetch_related("schedules")


def find_doctor(pk: int) -> Doctor:
    return get_object_or_404(doctors_queryset(), pk=pk)


def require_staff_or_the_doctor(user, doctor: Doctor) -> None:
    require(
        is_front_desk(user) or is_doctor_user(user, doctor),
        "Only the front desk or the doctor may do this.",
    )


class DayQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Defaults to today.")

    class Meta:
        ref_name = "DayQuery"


DATE_PARAMETER = OpenApiParameter(
    "date", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="YYYY-MM-DD; today by default."
)


class DepartmentListApi(ListApi):
    permission_classes = [AllowAny]
    serializer_class = DepartmentSerializer
    queryset = Department.objects.order_by("name")
    filter_backends = []

    @extend_schema(
        tags=[DOCTORS],
        summary="Departments",
        auth=[],
        responses={200: DepartmentSerializer(many=True), **error_responses(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DoctorFilter(filters.FilterSet):
    department = IdFilter(field_name="department_id", label="Department id")
    specialization = filters.CharFilter(lookup_expr="icontains", max_length=100)
    available = filters.BooleanFilter(field_name="is_available")
    search = filters.CharFilter(
        method="filter_search", max_length=100, label="Name, specialization or department"
    )

    class Meta:
        model = Doctor
        fields = ["department", "specialization", "available", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__name__icontains=value)
            | Q(specialization__icontains=value)
            | Q(department__name__icontains=value)
        )


class DoctorListApi(ListApi):
    """Anyone finds doctors; an administrator registers one (with the doctor's account)."""

    serializer_class = DoctorSerializer
    filterset_class = DoctorFilter

    def get_queryset(self):
        return doctors_queryset().order_by("user__name", "id")

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAdminRole()]
        return [AllowAny()]

    @extend_schema(
        tags=[DOCTORS],
        summary="Find doctors",
        auth=[],
        responses={200: DoctorSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[DOCTORS],
        summary="Register a doctor",
        request=DoctorCreateSerializer,
        responses={201: DoctorSerializer, **error_responses(400, 401, 403, 409, 415)},
    )
    def post(self, request):
        body = DoctorCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("password"):
            ensure_password_acceptable(
                password=data["password"], user=User(email=data["email"], name=data["name"])
            )
        try:
            doctor = register_doctor(**{"password": None, **data})
        except IntegrityError as exc:
            raise DoctorConflict() from exc
        return Response(
            DoctorSerializer(find_doctor(doctor.pk)).data, status=status.HTTP_201_CREATED
        )


class DoctorDetailApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[DOCTORS],
        summary="A doctor's profile",
        auth=[],
        responses={200: DoctorSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(DoctorSerializer(find_doctor(pk)).data)

    @extend_schema(
        tags=[DOCTORS],
        summary="Correct a doctor's profile (administrator or the doctor)",
        request=DoctorUpdateSerializer,
        responses={200: DoctorSerializer, **error_responses(400, 401, 403, 404, 415)},
    )
    def patch(self, request, pk: int):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        doctor = find_doctor(pk)
        require(
            is_admin(request.user) or is_doctor_user(request.user, doctor),
            "Only an administrator or the doctor may change this profile.",
        )
        body = DoctorUpdateSerializer(doctor, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        body.save()
        return Response(DoctorSerializer(find_doctor(pk)).data)


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


class DoctorQueueApi(ListApi):
    """Today's serving order, as a waiting-room display shows it."""

    permission_classes = [AllowAny]
    serializer_class = QueueItemSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        doctor = find_doctor(self.kwargs["pk"])
        doctor_day = DoctorDay.objects.filter(doctor=doctor, date=clock.today()).first()
        if doctor_day is None:
            return []
        doctor_day.doctor = doctor
        items = serving_order(doctor_day=doctor_day)
        for item in items:
            item.token.doctor_day = doctor_day
        return items

    @extend_schema(
        tags=[DOCTORS],
        summary="The live serving order for today (no patient names)",
        auth=[],
        responses={200: QueueItemSerializer(many=True), **error_responses(404)},
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


class DoctorCallNextApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[DOCTORS],
        summary="Call the next checked-in patient in serving order",
        request=None,
        responses={200: TokenDetailSerializer, **error_responses(401, 403, 404, 409, 503)},
    )
    def post(self, request, pk: int):
        doctor = find_doctor(pk)
        require_staff_or_the_doctor(request.user, doctor)
        token = call_next(doctor=doctor, actor=request.user)
        return Response(token_detail(token, request.user))
