"""Slot generation: turn doctors' weekly schedules into doctor-days and slots."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q

from doctors.models import Doctor, DoctorLeave, DoctorSchedule
from scheduling.locking import bump_versions
from scheduling.models import DoctorDay, Slot, WaitingEntry
from scheduling.services.waiting_list import promote_day


def generate_slots(*, start: date, days: int, doctors: Iterable[Doctor] | None = None) -> int:
    """Create the doctor-days and slots of [start, start+days) from the schedules; idempotent."""
    if days < 1:
        return 0
    end = start + timedelta(days=days - 1)
    grown: list[DoctorDay] = []
    created = 0
    with transaction.atomic():
        for doctor in _working_doctors(doctors=doctors, start=start, end=end):
            for offset in range(days):
                doctor_day, added = _generate_doctor_date(
                    doctor=doctor, on=start + timedelta(days=offset)
                )
                created += added
                if added:
                    grown.append(doctor_day)
        bump_versions(day.pk for day in grown)  # new slots change what the day's pages show
    _promote_into_new_slots(grown)
    return created


def _promote_into_new_slots(doctor_days: list[DoctorDay]) -> None:
    """New slots are free seats: anyone already waiting on those days is seated."""
    waiting = DoctorDay.objects.filter(
        pk__in=[day.pk for day in doctor_days], waiting_entries__status=WaitingEntry.Status.WAITING
    ).distinct()
    for doctor_day in waiting.order_by("date", "doctor_id"):
        promote_day(doctor_day=doctor_day, reason="New slots were opened.")


def _working_doctors(*, doctors: Iterable[Doctor] | None, start: date, end: date):
    """Available doctors with their schedules and the leave that touches the range."""
    queryset = Doctor.objects.filter(is_available=True).prefetch_related(
        Prefetch("schedules", queryset=DoctorSchedule.objects.order_by("weekday", "start_time")),
        Prefetch(
            "leaves",
            queryset=DoctorLeave.objects.filter(Q(start_date__lte=end) & Q(end_date__gte=start)),
        ),
    )
    if doctors is not None:
        queryset = queryset.filter(pk__in=[doctor.pk for doctor in doctors])
    return queryset.order_by("pk")


def _generate_doctor_date(*, doctor: Doctor, on: date) -> tuple[DoctorDay | None, int]:
    """Create one doctor-day's missing slots; the day and the number created."""
    sessions = [row for row in doctor.schedules.all() if row.weekday == on.weekday()]
    if not sessions or _on_leave(doctor=doctor, on=on):
        return None, 0
    doctor_day, _ = DoctorDay.objects.get_or_create(doctor=doctor, date=on)
    existing = set(doctor_day.slots.values_list("start", flat=True))
    new_slots = [
        slot
        for session in sessions
        for slot in _session_slots(doctor_day=doctor_day, session=session)
        if slot.start not in existing
    ]
    # ignore_conflicts: a concurrent run that created the same slot is not an error.
    Slot.objects.bulk_create(new_slots, ignore_conflicts=True)
    return doctor_day, len(new_slots)


def _on_leave(*, doctor: Doctor, on: date) -> bool:
    return any(leave.start_date <= on <= leave.end_date for leave in doctor.leaves.all())


def _session_slots(*, doctor_day: DoctorDay, session: DoctorSchedule) -> list[Slot]:
    """Cut one session into whole slots of ``slot_minutes``; a trailing partial slot is dropped."""
    zone = ZoneInfo(settings.TIME_ZONE)
    length = timedelta(minutes=session.slot_minutes)
    cursor = datetime.combine(doctor_day.date, session.start_time)
    session_end = datetime.combine(doctor_day.date, session.end_time)
    slots = []
    while cursor + length <= session_end:
        slots.append(
            Slot(
                doctor_day=doctor_day,
                start=cursor.replace(tzinfo=zone),
                end=(cursor + length).replace(tzinfo=zone),
                capacity=session.capacity,
                emergency_reserve=session.emergency_reserve,
                walk_in_reserve=session.walk_in_reserve,
                consultation_fee=session.consultation_fee,
                priority_fee=session.priority_fee,
            )
        )
        cursor += length
    return slots
