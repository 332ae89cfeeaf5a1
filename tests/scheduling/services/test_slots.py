"""Slots come from the weekly schedule: whole slots, aware times, nothing twice, no leave days."""

from datetime import date, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from doctors.models import Weekday
from scheduling.models import DoctorDay, Slot
from scheduling.services.slots import generate_slots
from tests.factories import (
    DoctorFactory,
    DoctorLeaveFactory,
    DoctorScheduleFactory,
    local_datetime,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)


def starts(doctor, day):
    slots = Slot.objects.filter(doctor_day__doctor=doctor, doctor_day__date=day)
    return [slot.start for slot in slots.order_by("start")]


def test_a_morning_session_is_cut_into_hourly_slots_with_the_schedule_s_numbers():
    schedule = DoctorScheduleFactory(
        weekday=Weekday.MONDAY,
        start_time=time(9),
        end_time=time(13),
        capacity=8,
        emergency_reserve=2,
        walk_in_reserve=3,
        consultation_fee=Decimal("450.00"),
        priority_fee=Decimal("700.00"),
    )

    created = generate_slots(start=MONDAY, days=1)

    assert created == 4
    slots = list(Slot.objects.filter(doctor_day__doctor=schedule.doctor).order_by("start"))
    assert [slot.start for slot in slots] == [
        local_datetime(MONDAY, time(hour)) for hour in (9, 10, 11, 12)
    ]
    assert all(slot.end - slot.start == timedelta(hours=1) for slot in slots)
    assert {
        (s.capacity, s.emergency_reserve, s.walk_in_reserve, s.consultation_fee, s.priority_fee)
        for s in slots
    } == {(8, 2, 3, Decimal("450.00"), Decimal("700.00"))}
    assert all(slot.status == Slot.Status.OPEN for slot in slots)


def test_slot_times_are_in_the_hospital_s_zone():
    DoctorScheduleFactory(weekday=Weekday.MONDAY, start_time=time(9), end_time=time(10))

    generate_slots(start=MONDAY, days=1)

    slot = Slot.objects.get()
    # 09:00 in Asia/Kolkata (UTC+05:30) is 03:30 UTC.
    assert slot.start.isoformat() == "2026-03-02T03:30:00+00:00"


def test_a_trailing_partial_slot_is_dropped():
    schedule = DoctorScheduleFactory(
        weekday=Weekday.MONDAY, start_time=time(14), end_time=time(16, 30), slot_minutes=60
    )

    assert generate_slots(start=MONDAY, days=1) == 2
    assert starts(schedule.doctor, MONDAY) == [
        local_datetime(MONDAY, time(14)),
        local_datetime(MONDAY, time(15)),
    ]


def test_morning_and_afternoon_sessions_both_make_slots_on_one_doctor_day():
    doctor = DoctorFactory()
    DoctorScheduleFactory(doctor=doctor, start_time=time(9), end_time=time(11))
    DoctorScheduleFactory(
        doctor=doctor, start_time=time(14), end_time=time(15, 30), slot_minutes=30
    )

    assert generate_slots(start=MONDAY, days=1) == 5
    assert DoctorDay.objects.filter(doctor=doctor, date=MONDAY).count() == 1


def test_a_second_run_creates_nothing_and_leaves_existing_slots_untouched():
    schedule = DoctorScheduleFactory(weekday=Weekday.MONDAY)
    generate_slots(start=MONDAY, days=7)
    slot = Slot.objects.filter(doctor_day__doctor=schedule.doctor).earliest("start")
    slot.capacity = 10
    slot.save(update_fields=["capacity"])

    assert generate_slots(start=MONDAY, days=7) == 0

    slot.refresh_from_db()
    assert slot.capacity == 10
    assert Slot.objects.count() == 4


def test_a_new_session_added_later_fills_in_only_its_own_slots():
    schedule = DoctorScheduleFactory(weekday=Weekday.MONDAY, start_time=time(9), end_time=time(11))
    generate_slots(start=MONDAY, days=1)
    DoctorScheduleFactory(
        doctor=schedule.doctor, weekday=Weekday.MONDAY, start_time=time(14), end_time=time(15)
    )

    assert generate_slots(start=MONDAY, days=1) == 1
    assert Slot.objects.count() == 3


def test_only_the_schedule_s_weekdays_get_doctor_days():
    doctor = DoctorFactory()
    DoctorScheduleFactory(doctor=doctor, weekday=Weekday.MONDAY)
    DoctorScheduleFactory(doctor=doctor, weekday=Weekday.THURSDAY)

    created = generate_slots(start=MONDAY, days=14)

    assert created == 4 * 4
    dates = sorted(DoctorDay.objects.filter(doctor=doctor).values_list("date", flat=True))
    assert dates == [
        MONDAY,
        MONDAY + timedelta(days=3),
        MONDAY + timedelta(days=7),
        MONDAY + timedelta(days=10),
    ]


def test_leave_dates_are_skipped():
    doctor = DoctorFactory()
    for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY):
        DoctorScheduleFactory(doctor=doctor, weekday=weekday)
    DoctorLeaveFactory(doctor=doctor, start_date=MONDAY, end_date=MONDAY + timedelta(days=1))

    generate_slots(start=MONDAY, days=3)

    dates = list(DoctorDay.objects.filter(doctor=doctor).values_list("date", flat=True))
    assert dates == [MONDAY + timedelta(days=2)]


def test_a_doctor_who_is_not_available_gets_no_slots():
    DoctorScheduleFactory(doctor=DoctorFactory(is_available=False), weekday=Weekday.MONDAY)

    assert generate_slots(start=MONDAY, days=1) == 0
    assert not DoctorDay.objects.exists()


def test_doctors_limits_generation_to_the_doctors_given():
    chosen = DoctorScheduleFactory(weekday=Weekday.MONDAY).doctor
    DoctorScheduleFactory(weekday=Weekday.MONDAY)

    assert generate_slots(start=MONDAY, days=1, doctors=[chosen]) == 4
    assert set(Slot.objects.values_list("doctor_day__doctor", flat=True)) == {chosen.pk}


def test_the_command_generates_from_start_for_the_days_asked():
    DoctorScheduleFactory(weekday=Weekday.MONDAY)
    out = StringIO()

    call_command("generate_slots", "--days", "8", "--start", "2026-03-02", stdout=out)

    assert "Created 8 slot(s) for 2026-03-02 to 2026-03-09" in out.getvalue()


def test_the_command_starts_today_by_default(clock):
    DoctorScheduleFactory(weekday=Weekday.MONDAY)

    call_command("generate_slots", "--days", "1", stdout=StringIO())

    assert list(DoctorDay.objects.values_list("date", flat=True)) == [MONDAY]
