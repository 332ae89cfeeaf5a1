"""How departments and doctors look in the API."""

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from accounts.models import User
from doctors.models import Department, Doctor
from opd_site.api_base import ObjectIdField


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        ref_name = "Department"
        fields = ["id", "name", "code", "location"]
        read_only_fields = fields


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        ref_name = "DepartmentRef"
        fields = ["id", "name"]
        read_only_fields = fields


class DoctorRefSerializer(serializers.ModelSerializer):
    """A doctor named inside another object."""

    name = serializers.CharField(source="user.name", read_only=True)
    department = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = Doctor
        ref_name = "DoctorRef"
        fields = ["id", "name", "specialization", "department"]
        read_only_fields = fields


class DoctorSerializer(serializers.ModelSerializer):
    """A doctor's public profile."""

    name = serializers.CharField(source="user.name", read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    average_consultation_minutes = serializers.FloatField(read_only=True)
    working_days = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Doctor
        ref_name = "Doctor"
        fields = [
            "id",
            "name",
            "specialization",
            "department",
            "license_number",
            "qualifications",
            "experience_years",
            "average_consultation_minutes",
            "is_available",
            "working_days",
            "room",
            "token_prefix",
        ]
        read_only_fields = fields


PREFIX_PATTERN = r"^[A-Za-z0-9]{1,8}$"


class DoctorCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField(
        max_length=254,
        validators=[UniqueValidator(User.objects.all(), lookup="iexact")],
    )
    password = serializers.CharField(
        max_length=128,
        required=False,
        allow_null=True,
        trim_whitespace=False,
        help_text="Omit to create the account without a usable password.",
    )
    phone = serializers.RegexField(
        r"^\+?[0-9 ()-]{0,20}$", max_length=20, required=False, allow_blank=True
    )
    department = ObjectIdField(queryset=Department.objects.all())
    specialization = serializers.CharField(max_length=100)
    license_number = serializers.CharField(
        max_length=40, validators=[UniqueValidator(Doctor.objects.all())]
    )
    token_prefix = serializers.RegexField(
        PREFIX_PATTERN,
        max_length=8,
        help_text="Printed before token numbers, e.g. CARD1.",
    )
    qualifications = serializers.CharField(max_length=200, required=False, allow_blank=True)
    experience_years = serializers.IntegerField(min_value=0, max_value=80, required=False)
    room = serializers.CharField(max_length=40, required=False, allow_blank=True)

    class Meta:
        ref_name = "DoctorCreate"

    def validate_token_prefix(self, value: str) -> str:
        if Doctor.objects.filter(token_prefix__iexact=value).exists():
            raise serializers.ValidationError("Another doctor uses this prefix.")
        return value.upper()


class DoctorUpdateSerializer(serializers.ModelSerializer):
    """The profile fields an administrator or the doctor may correct."""

    department = ObjectIdField(queryset=Department.objects.all(), required=False)
    experience_years = serializers.IntegerField(min_value=0, max_value=80, required=False)

    class Meta:
        model = Doctor
        ref_name = "DoctorUpdate"
        fields = [
            "specialization",
            "department",
            "license_number",
            "qualifications",
            "experience_years",
            "room",
        ]
        extra_kwargs = {field: {"required": False} for field in fields}

    def update(self, doctor, validated_data):
        for field, value in validated_data.items():
            setattr(doctor, field, value)
        if validated_data:
            doctor.save(update_fields=sorted(validated_data))
        return doctor
