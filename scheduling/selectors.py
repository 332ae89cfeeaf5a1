"""Reads: who may see which tokens, slot availability, histories and the slot in progress."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from doctors.models import Doctor
from scheduling import clock
from scheduling.models import DoctorDay, Slot, Token, TokenEvent
from scheduling.services.seating import DaySeats, SlotSeats


def visible_tokens(user) -> QuerySet:
    """Tokens the viewer may see: staff all, a doctor their own patients', a patient their own."""
    tokens = Token.objects.select_related(
        "slot",
        "patient",
        "doctor_day__doctor__user",
        "doctor_day__doctor__department",
        "original_slot",
    )
    if getattr(user, "is_front_desk", False):
        return tokens
    if getattr(user, "role", None) == "doctor":
        return tokens.filter(doctor_day__doctor__user=user)
    if not user.is_authenticated:
        return tokens.none()
    return tokens.filter(patient__user=user)


def token_history(token: Token) -> QuerySet:
    """Why the token is where it is: its events, oldest first."""
    return (
        TokenEvent.objects.filter(token=token)
        .select_related("from_slot", "to_slot", "actor")
        .order_by("at", "id")
    )


@dataclass
class SlotAvailability:
    slot: Slot
    capacity: int
    booked: int
    available: int
    emergency_free: int

    @classmethod
    def from_seats(cls, seats: SlotSeats) -> "SlotAvailability":
        now = clock.now()
        open_now = seats.is_open_at(now)
        return cls(
            slot=seats.slot,
            capacity=seats.capacity,
            booked=seats.regular + seats.emergency,
            available=max(0, seats.regular_free) if open_now else 0,
            emergency_free=max(0, seats.total_free) if open_now else 0,
        )


def day_availability(doctor_day: DoctorDay) -> list[SlotAvailability]:
    """Every slot of the day with seats booked and free (two queries, whatever the day holds)."""
    return [
        SlotAvailability.from_seats(seats) for seats in DaySeats(doctor_day, locked=False).slots
    ]


def doctor_slots(*, doctor: Doctor, day: date) -> list[SlotAvailability]:
    doctor_day = DoctorDay.objects.filter(doctor=doctor, date=day).select_related("doctor").first()
    return day_availability(doctor_day) if doctor_day else []


def slot_availability(slot: Slot) -> SlotAvailability:
    for availability in day_availability(slot.doctor_day):
        if availability.slot.id == slot.id:
            return availability
    raise Slot.DoesNotExist


def current_slot(*, doctor: Doctor) -> Slot | None:
    """The doctor's slot in progress now, else the next one today."""
    now = clock.now()
    return (
        Slot.objects.filter(
            doctor_day__doctor=doctor,
            doctor_day__date=clock.today(),
            status=Slot.Status.OPEN,
            end__gt=now,
        )
        .order_by("start")
        .first()
    )
