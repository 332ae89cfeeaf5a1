"""Doctor-facing operations: availability, leave and registration."""

from django.db import transaction

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
