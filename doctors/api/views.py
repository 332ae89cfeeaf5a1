"""Departments and doctors: the directory, profiles and registration."""

from django.db import IntegrityError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
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
from doctors.services import register_doctor
from opd_site.api_base import ApiView, IdFilter, ListApi
from opd_site.api_errors import error_responses
from opd_site.errors import DomainError

DOCTORS = "doctors"


class DoctorConflict(DomainError):
    code = "doctor_conflict"
    default_message = _("Another doctor or account already uses these details.")


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
