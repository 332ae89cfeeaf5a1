"""People: users who sign in, and patients (who may have no account at all)."""

import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opd_site import clock

MRN_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY346789"


def new_mrn() -> str:
    """A medical record number that is short enough to read out at a desk."""
    return "MRN-" + "".join(secrets.choice(MRN_ALPHABET) for _ in range(8))


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    DOCTOR = "doctor", _("Doctor")
    RECEPTIONIST = "receptionist", _("Receptionist")
    ADMIN = "admin", _("Admin")


STAFF_ROLES = (Role.RECEPTIONIST, Role.ADMIN)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.ADMIN)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: patients, doctors, receptionists and administrators."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def is_front_desk(self) -> bool:
        """Receptionists and administrators: "staff" in the API contract."""
        return self.is_authenticated and self.role in STAFF_ROLES


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "O", _("Other")
    UNKNOWN = "U", _("Not stated")


class PhoneMissing(models.TextChoices):
    UNKNOWN = "unknown", _("Not known (e.g. unconscious)")
    NO_PHONE = "no_phone", _("Patient has no phone")


class Patient(models.Model):
    """A patient record. Walk-ins have one without any user account."""

    mrn = models.CharField("MRN", max_length=16, unique=True, default=new_mrn, editable=False)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    email = models.EmailField(blank=True)
    phone_missing_reason = models.CharField(
        max_length=12,
        choices=PhoneMissing.choices,
        blank=True,
        db_default="",
        help_text="Why there is no phone number (required when the phone is empty).",
    )
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_birth_approximate = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The birth date was worked out from an age in years.",
    )
    preferred_language = models.CharField(
        max_length=8,
        blank=True,
        db_default="",
        help_text="Language code for slips, the status page and messages.",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
        help_text="Set when this record was merged into another record of the same person.",
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="patient"
    )
    no_show_count = models.PositiveIntegerField(default=0)
    booking_blocked = models.BooleanField(
        default=False, help_text="Blocked from online booking after repeated no-shows."
    )
    block_cleared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.mrn})"

    @property
    def contact_email(self) -> str:
        return self.email or (self.user.email if self.user_id else "")

    @property
    def preferred_language_name(self) -> str:
        """The preferred language as the site names it ("हिन्दी"), or the code when unknown."""
        return dict(settings.LANGUAGES).get(self.preferred_language, self.preferred_language)

    @property
    def age_years(self) -> int | None:
        """Age in whole years today (from the birth date, exact or worked out from an age)."""
        if self.date_of_birth is None:
            return None
        today = clock.today()
        born = self.date_of_birth
        return max(today.year - born.year - ((today.month, today.day) < (born.month, born.day)), 0)
