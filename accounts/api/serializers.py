"""How accounts and patient records look in the API."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import phones
from accounts.languages import supported_language
from accounts.models import Patient, PhoneMissing, Sex, User


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
    phone = serializers.CharField(read_only=True, help_text="E.164 (`+919820134567`), or empty.")
    age_years = serializers.SerializerMethodField(help_text="Age in whole years today.")
    has_account = serializers.SerializerMethodField()
    phone_missing_reason = serializers.CharField(
        read_only=True, help_text="Why there is no phone: `unknown`, `no_phone`, or empty."
    )
    merged_into = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The record this one was merged into, or null."
    )

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
            "date_of_birth_approximate",
            "age_years",
            "sex",
            "phone_missing_reason",
            "preferred_language",
            "no_show_count",
            "booking_blocked",
            "has_account",
            "merged_into",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_account(self, patient) -> bool:
        return patient.user_id is not None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age_years(self, patient) -> int | None:
        return patient.age_years


class PhoneNumberField(serializers.CharField):
    """A phone number however it is typed; read as E.164 (``accounts.phones``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", phones.MAX_TYPED)
        kwargs.setdefault(
            "help_text",
            "A phone number however typed (`09820134567`, `+91 98201 34567`); stored in E.164. "
            "Without a country code it is read as an Indian number (`PHONE_DEFAULT_REGION`).",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return phones.normalise_phone(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages), code="invalid_phone") from exc


class LanguageField(serializers.ChoiceField):
    """One of the site's languages (``settings.LANGUAGES``), or empty: not stated."""

    def __init__(self, **kwargs):
        super().__init__(choices=[("", "Not stated"), *settings.LANGUAGES], **kwargs)

    def to_internal_value(self, data):
        """``en``, ``en-IN`` or ``hi-IN`` name a site language too: stored as the site's code."""
        if isinstance(data, str) and data.strip():
            data = supported_language(data) or data
        return super().to_internal_value(data)


class PatientInputSerializer(serializers.Serializer):
    """Shared by the create (name required) and update (all optional) inputs."""

    name = serializers.CharField(max_length=150)
    phone = PhoneNumberField(required=False, allow_blank=True)
    phone_missing_reason = serializers.ChoiceField(
        choices=PhoneMissing.choices,
        required=False,
        allow_blank=True,
        help_text="Why there is no phone; required when `phone` is empty or left out.",
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    age_years = serializers.IntegerField(
        min_value=0,
        max_value=130,
        required=False,
        allow_null=True,
        help_text="Instead of `date_of_birth`: stored as an approximate birth date.",
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    preferred_language = LanguageField(required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs.get("age_years") is not None and attrs.get("date_of_birth") is not None:
            raise serializers.ValidationError(
                {"age_years": ["Give a date of birth or an age, not both."]}
            )
        if attrs.get("age_years") is None:
            attrs.pop("age_years", None)
        return attrs
