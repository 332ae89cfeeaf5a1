"""How accounts and patient records look in the API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Patient, Sex, User


class UserSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile; ``role`` is read-only."""

    patient = serializers.SerializerMethodField(help_text="The linked patient record's id.")
    doctor = serializers.SerializerMethodField(help_text="The doctor record's id, for doctors.")

    class Meta:
        model = User
        ref_name = "User"
        fields = ["id", "name", "email", "phone", "role", "patient", "doctor"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_patient(self, user) -> int | None:
        patient = Patient.objects.filter(user=user).only("id").first()
        return patient.id if patient else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_doctor(self, user) -> int | None:
        doctor = getattr(user, "doctor", None) if user.role == "doctor" else None
        return doctor.id if doctor else None


class SessionSerializer(serializers.Serializer):
    """A signed-in session: the user and a JWT pair."""

    user = UserSerializer()
    access = serializers.CharField(
        help_text="Access JWT: send as `Authorization: Bearer <access>`."
    )
    refresh = serializers.CharField(help_text="Refresh JWT: exchange at auth/refresh.")

    class Meta:
        ref_name = "Session"


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="A new refresh token; the old one is blacklisted.")

    class Meta:
        ref_name = "TokenPair"


class PatientRefSerializer(serializers.ModelSerializer):
    """A patient named inside another object."""

    class Meta:
        model = Patient
        ref_name = "PatientRef"
        fields = ["id", "name", "mrn"]
        read_only_fields = fields


class PatientSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="E-mail address, or empty.")
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        ref_name = "Patient"
        fields = [
            "id",
            "mrn",
            "name",
            "phone",
            "email",
            "date_of_birth",
            "sex",
            "no_show_count",
            "booking_blocked",
            "has_account",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_account(self, patient) -> bool:
        return patient.user_id is not None


class PatientInputSerializer(serializers.Serializer):
    """Shared by the create (name required) and update (all optional) inputs."""

    name = serializers.CharField(max_length=150)
    phone = serializers.RegexField(
        r"^\+?[0-9 ()-]{0,20}$", max_length=20, required=False, allow_blank=True
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
