"""`seed` builds a demo hospital one can sign in to; running it again changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Patient, Role, User
from doctors.models import Department, Doctor, DoctorSchedule, Weekday
from scheduling.models import DoctorDay, Slot, Token, TokenEvent, WaitingEntry

pytestmark = pytest.mark.django_db

PASSWORD = "seed-test-password-42"
COUNTED = (User, Patient, Department, Doctor, DoctorSchedule, DoctorDay, Slot, Token)
COUNTED += (WaitingEntry, TokenEvent, Group)


def seed(password=PASSWORD) -> str:
    out = StringIO()
    call_command("seed", "--password", password, stdout=out)
    return out.getvalue()


def signs_in(email: str, password: str) -> bool:
    """Sign in as the admin login form does (the lockout backend needs the request)."""
    request = RequestFactory().post("/admin/login/")
    return authenticate(request, username=email, password=password) is not None


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_running_seed_twice_changes_no_counts(clock):
    seed()
    first = counts()

    seed()

    assert counts() == first


def test_seed_builds_a_believable_hospital(clock):
    seed()

    assert Department.objects.count() >= 4
    assert Doctor.objects.count() >= 6
    assert Patient.objects.count() >= 20
    assert set(Doctor.objects.values_list("user__role", flat=True)) == {Role.DOCTOR}
    for weekday in range(Weekday.MONDAY, Weekday.SATURDAY + 1):
        working = DoctorSchedule.objects.filter(weekday=weekday).values("doctor").distinct()
        assert working.count() >= 3, Weekday(weekday).label
    assert DoctorSchedule.objects.filter(weekday=Weekday.SUNDAY).exists()


def test_seed_makes_slots_for_the_next_fourteen_days(clock):
    seed()

    today = clock.at.date()
    dates = set(DoctorDay.objects.values_list("date", flat=True))
    assert min(dates) == today
    assert max(dates) == today + timedelta(days=13)
    assert Slot.objects.filter(doctor_day__date=today).count() > 0


def test_demo_logins_work_with_the_password_given(clock):
    seed()

    for email in ("admin@opd.example", "reception@opd.example", "patient@opd.example"):
        assert signs_in(email, PASSWORD), email
    doctor = Doctor.objects.select_related("user").first()
    assert signs_in(doctor.user.email, PASSWORD)
    assert not signs_in("admin@opd.example", "opd-demo-2026")


def test_running_seed_again_resets_the_demo_password(clock):
    seed(password="first-password-1")
    seed(password="second-password-2")

    assert signs_in("reception@opd.example", "second-password-2")
    assert not signs_in("reception@opd.example", "first-password-1")


def test_seed_prints_the_address_and_the_logins(clock):
    out = seed()

    assert "http://127.0.0.1:8000/" in out
    assert "/admin/" in out
    assert "admin@opd.example" in out
    assert "reception@opd.example" in out
    assert PASSWORD in out


def test_roles_and_staff_flags(clock):
    seed()

    admin = User.objects.get(email="admin@opd.example")
    reception = User.objects.get(email="reception@opd.example")
    patient = User.objects.get(email="patient@opd.example")
    assert (admin.role, admin.is_staff, admin.is_superuser) == (Role.ADMIN, True, True)
    assert (reception.role, reception.is_staff, reception.is_superuser) == (
        Role.RECEPTIONIST,
        True,
        False,
    )
    assert list(reception.groups.values_list("name", flat=True)) == ["Front desk"]
    assert patient.role == Role.PATIENT
    assert patient.patient.name
    assert not User.objects.filter(role__in=[Role.DOCTOR, Role.PATIENT], is_staff=True).exists()


def test_the_front_desk_may_work_tokens_but_only_read_events(clock):
    seed()

    reception = User.objects.get(email="reception@opd.example")
    for action in ("view", "add", "change"):
        assert reception.has_perm(f"scheduling.{action}_token")
        assert reception.has_perm(f"accounts.{action}_patient")
        assert reception.has_perm(f"scheduling.{action}_waitingentry")
    assert reception.has_perm("scheduling.view_tokenevent")
    assert not reception.has_perm("scheduling.change_tokenevent")
    assert not reception.has_perm("scheduling.delete_token")
    assert not reception.has_perm("accounts.view_user")
