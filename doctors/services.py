"""Doctor-facing operations: availability, leave and registration."""

from datetime import date

from django.db import transaction

from accounts.models import Role, User
from doctors.models import Department, Doctor, DoctorLeave
from scheduling import clock
from scheduling.errors import InvalidRequest
from scheduling.models import DoctorDay
from scheduling.services.rehoming import Rehomed
from scheduling.services.unavailability import close_days


def set_availability(
    *, doctor: Doctor, is_available: bool, actor=None, reason: str = ""
) -> list[Rehomed]:
    """Switch the doctor's availability; going unavailable closes the rest of today."""
    Doctor.objects.filter(pk=doctor.pk).update(is_available=is_available)
    doctor.is_available = is_available
    if is_available:
        return []
    return close_days(
        doctor=doctor,
        days=[clock.today()],
        actor=actor,
        reason=reason or "The doctor is unavailable for the rest of today.",
    )


def record_leave(
    *, doctor: Doctor, start: date, end: date, actor=None, reason: str = ""
) -> tuple[DoctorLeave, list[Rehomed]]:
    """Record leave over a date range and run the unavailable flow on every affected day."""
    if end < start:
        raise InvalidRequest(
            "Leave must end on or after its first day.", details={"end": ["Before start."]}
        )
    leave = DoctorLeave(
        doctor=doctor,
        start_date=start,
        end_date=end,
        reason=reason[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    days = list(
        DoctorDay.objects.filter(
            doctor=doctor, date__gte=max(start, clock.today()), date__lte=end
        ).values_list("date", flat=True)
    )
    results = close_days(
        doctor=doctor,
        days=days,
        actor=actor,
        reason=reason or f"The doctor is on leave until {end:%d %b}.",
        inside=leave.save,
    )
    return leave, results


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
