"""Helpers for the engine's tests: a small doctor-day, booking through the engine, snapshots."""

from datetime import date, datetime, time
from decimal import Decimal

from accounts.models import Patient
from doctors.models import Doctor
from opd_site import clock
from scheduling.hospital import OpenDay, SlotPlan, local_datetime, open_day
from scheduling.models import DoctorDay, Notification, Refund, Slot, Token, TokenEvent, WaitingEntry
from scheduling.services.outcomes import Allocation
from scheduling.services.requests import request_token
from tests import factories


class Day(OpenDay):
    """One doctor-day with its slots, in start order."""

    def slot_at(self, hour: int) -> Slot:
        return next(slot for slot in self.slots if slot.start.astimezone(_zone()).hour == hour)

    def refresh(self) -> "Day":
        self.doctor_day.refresh_from_db()
        self.doctor.refresh_from_db()
        for slot in self.slots:
            slot.refresh_from_db()
        return self


def _zone():
    from zoneinfo import ZoneInfo

    from django.conf import settings

    return ZoneInfo(settings.TIME_ZONE)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware moment on ``day`` in the hospital's zone."""
    return local_datetime(day, time(hour, minute))


def make_day(
    *,
    doctor: Doctor | None = None,
    on: date | None = None,
    hours=(9, 10, 11, 12),
    capacity: int = 2,
    emergency_reserve: int = 1,
    walk_in_reserve: int = 0,
    consultation_fee: Decimal = Decimal("300.00"),
    priority_fee: Decimal = Decimal("500.00"),
) -> Day:
    """A doctor-day (today unless ``on``) with one-hour slots starting at ``hours``."""
    slots = [
        SlotPlan(
            start=time(hour),
            end=time(hour + 1),
            capacity=capacity,
            emergency_reserve=emergency_reserve,
            walk_in_reserve=walk_in_reserve,
            consultation_fee=consultation_fee,
            priority_fee=priority_fee,
        )
        for hour in hours
    ]
    opened = open_day(
        doctor=doctor or factories.DoctorFactory(), on=on or clock.today(), slots=slots
    )
    return Day(doctor=opened.doctor, doctor_day=opened.doctor_day, slots=opened.slots)


def new_patient(**fields) -> Patient:
    return factories.PatientFactory(**fields)


def book(
    day: Day,
    source: str = "online",
    *,
    slot: Slot | None = None,
    patient: Patient | None = None,
    actor=None,
    reason: str = "",
) -> Allocation:
    """Request a token through the engine, as the API would."""
    return request_token(
        doctor=day.doctor,
        day=day.date,
        source=source,
        patient=patient or new_patient(),
        preferred_slot=slot,
        actor=actor,
        reason=reason,
    )


def fill(slot: Slot, count: int, source: str = "online", *, day: Day) -> list[Token]:
    """Seat ``count`` new patients directly in ``slot`` (each must land there)."""
    tokens = []
    for _ in range(count):
        allocation = book(day, source, slot=slot)
        assert allocation.token is not None and allocation.token.slot_id == slot.id, allocation
        tokens.append(allocation.token)
    return tokens


def fill_day(day: Day, source: str = "online") -> list[Token]:
    """Take every regular seat of every slot of the day."""
    tokens = []
    for slot in day.slots:
        tokens += fill(slot, slot.capacity, source, day=day)
    return tokens


def reload(token: Token) -> Token:
    return Token.objects.select_related("slot", "doctor_day__doctor").get(pk=token.pk)


def kinds(token: Token) -> list[str]:
    """The token's history, oldest first, as event kinds."""
    return list(
        TokenEvent.objects.filter(token=token).order_by("at", "id").values_list("kind", flat=True)
    )


def snapshot() -> dict[str, object]:
    """Everything an engine operation could change, counted: compare before and after."""
    return {
        "tokens": list(
            Token.objects.order_by("id").values_list("id", "slot_id", "status", "priority")
        ),
        "events": TokenEvent.objects.count(),
        "waiting": list(WaitingEntry.objects.order_by("id").values_list("id", "status")),
        "notifications": Notification.objects.count(),
        "refunds": Refund.objects.count(),
        "days": list(
            DoctorDay.objects.order_by("id").values_list("id", "token_counter", "delay_minutes")
        ),
        "slots": list(Slot.objects.order_by("id").values_list("id", "status", "capacity")),
        "patients": list(
            Patient.objects.order_by("id").values_list("id", "no_show_count", "booking_blocked")
        ),
    }


def event_count() -> int:
    return TokenEvent.objects.count()
