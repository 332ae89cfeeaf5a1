"""Doctors: registration, and the rolling average of their consultation length.

Availability and leave move patients, so they are allocation's:
``scheduling.services.unavailability``.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from accounts.models import Role, User
from doctors.models import Department, Doctor


@transaction.atomic
def register_doctor(
    *,
    name: str,
    email: str,
    password: str | None,
    department: Department,
    specialization: str,
    license_number: str,
    token_prefix: str,
    phone: str = "",
    qualifications: str = "",
    experience_years: int = 0,
    room: str = "",
) -> Doctor:
    """Create the doctor's sign-in account and profile together."""
    user = User.objects.create_user(
        email=email, password=password, name=name, phone=phone, role=Role.DOCTOR
    )
    return Doctor.objects.create(
        user=user,
        department=department,
        specialization=specialization,
        license_number=license_number,
        token_prefix=token_prefix.upper(),
        qualifications=qualifications,
        experience_years=experience_years,
        room=room,
    )


def record_consultation(*, doctor_id: int, minutes: Decimal, weight: Decimal) -> None:
    """Fold one consultation's length into the doctor's rolling average (``weight`` is the new
    one's share; a consultation counts as at least half a minute)."""
    Doctor.objects.filter(pk=doctor_id).update(
        average_consultation_minutes=F("average_consultation_minutes") * (1 - weight)
        + max(minutes, Decimal("0.5")) * weight
    )
