"""factory-boy factories for every model a test needs to set up.

Times come from the project's clock (``opd_site.clock``), so a test that freezes it gets
tokens and slots on the frozen date. Token numbers are issued from the doctor-day's counter,
as the engine issues them.
"""

from datetime import time, timedelta
from decimal import Decimal

import factory
from django.db.models import F

from accounts.models import STAFF_ROLES, Patient, Role, Sex, User
from doctors.models import Department, Doctor, DoctorLeave, DoctorSchedule, Weekday
from opd_site import clock
from scheduling import policy
from scheduling.hospital import local_datetime
from scheduling.models import DoctorDay, Slot, Source, Token, TokenStatus, WaitingEntry

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@opd.example")
    name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")
    role = Role.PATIENT
    is_staff = factory.LazyAttribute(lambda user: user.role in STAFF_ROLES)
    password = factory.django.Password(PASSWORD)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9197{n:08d}")
    sex = Sex.UNKNOWN


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"DEP{n}")
    location = "Ground floor"


class DoctorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Doctor

    user = factory.SubFactory(UserFactory, role=Role.DOCTOR)
    department = factory.SubFactory(DepartmentFactory)
    specialization = "General Physician"
    license_number = factory.Sequence(lambda n: f"MCI-{n:06d}")
    qualifications = "MBBS, MD"
    experience_years = 10
    token_prefix = factory.Sequence(lambda n: f"DR{n}")
    room = factory.Sequence(lambda n: f"OPD-{n}")
    average_consultation_minutes = Decimal("10.00")
    is_available = True


class DoctorScheduleFactory(factory.django.DjangoModelFactory):
    """A weekly session: Mondays 09:00-13:00 in 60-minute slots of 6 seats by default."""

    class Meta:
        model = DoctorSchedule

    doctor = factory.SubFactory(DoctorFactory)
    weekday = Weekday.MONDAY
    start_time = time(9, 0)
    end_time = time(13, 0)
    slot_minutes = 60
    capacity = 6
    emergency_reserve = 1
    walk_in_reserve = 0
    consultation_fee = Decimal("300.00")
    priority_fee = Decimal("500.00")


class DoctorLeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorLeave

    doctor = factory.SubFactory(DoctorFactory)
    start_date = factory.LazyFunction(clock.today)
    end_date = factory.SelfAttribute("start_date")
    reason = "Conference"


class DoctorDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorDay
        django_get_or_create = ("doctor", "date")

    doctor = factory.SubFactory(DoctorFactory)
    date = factory.LazyFunction(clock.today)


class SlotFactory(factory.django.DjangoModelFactory):
    """A slot of the doctor-day; pass ``hour`` (default 9) and ``minutes`` (default 60)."""

    class Meta:
        model = Slot

    class Params:
        hour = 9
        minutes = 60

    doctor_day = factory.SubFactory(DoctorDayFactory)
    start = factory.LazyAttribute(
        lambda slot: local_datetime(slot.doctor_day.date, time(slot.hour))
    )
    end = factory.LazyAttribute(lambda slot: slot.start + timedelta(minutes=slot.minutes))
    capacity = 6
    emergency_reserve = 1
    walk_in_reserve = 0
    status = Slot.Status.OPEN
    consultation_fee = Decimal("300.00")
    priority_fee = Decimal("500.00")


def next_token_number(doctor_day: DoctorDay) -> int:
    """Take the doctor-day's next token number, as the engine does."""
    DoctorDay.objects.filter(pk=doctor_day.pk).update(token_counter=F("token_counter") + 1)
    doctor_day.refresh_from_db(fields=["token_counter"])
    return doctor_day.token_counter


class TokenFactory(factory.django.DjangoModelFactory):
    """A booked online token in a slot; its number comes from the doctor-day's counter."""

    class Meta:
        model = Token

    slot = factory.SubFactory(SlotFactory)
    doctor_day = factory.SelfAttribute("slot.doctor_day")
    patient = factory.SubFactory(PatientFactory)
    source = Source.ONLINE
    priority = factory.LazyAttribute(lambda token: policy.priority_for(token.source))
    status = TokenStatus.BOOKED
    requested_at = factory.LazyFunction(clock.now)
    booked_at = factory.SelfAttribute("requested_at")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("number") is None:
            kwargs["number"] = next_token_number(kwargs["doctor_day"])
        return super()._create(model_class, *args, **kwargs)


class WaitingEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingEntry

    doctor_day = factory.SubFactory(DoctorDayFactory)
    patient = factory.SubFactory(PatientFactory)
    source = Source.ONLINE
    priority = factory.LazyAttribute(lambda entry: policy.priority_for(entry.source))
    status = WaitingEntry.Status.WAITING
    requested_at = factory.LazyFunction(clock.now)
    expires_at = factory.LazyAttribute(
        lambda entry: local_datetime(entry.doctor_day.date, time(23, 59))
    )
