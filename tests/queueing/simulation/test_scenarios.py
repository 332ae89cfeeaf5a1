"""Each scenario produces what it names, through the engine's own events."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from queueing.simulation.hospital import sim_doctor_days
from scheduling.models import (
    CancelledBy,
    DoctorDay,
    EventKind,
    Slot,
    Source,
    Token,
    TokenEvent,
    TokenStatus,
)
from scheduling.services.seats import effective_capacity
from tests.queueing.simulation.conftest import DAY, at

DAY_ZONE = ZoneInfo(settings.TIME_ZONE)


def _day_events(kind, **filters):
    return TokenEvent.objects.filter(
        doctor_day__in=sim_doctor_days().filter(date=DAY), kind=kind, **filters
    )


def test_doctor_leave_cancels_that_doctors_tokens_from_eleven_and_carries_them_over(simulate):
    outcome = simulate("--doctors", "2", "--scenario", "doctor-leave", "--seed", "1")

    closed = Slot.objects.filter(
        doctor_day__in=sim_doctor_days().filter(date=DAY), status=Slot.Status.CANCELLED
    )
    assert {slot.start for slot in closed} == {at(11), at(12)}
    leave_day = closed.first().doctor_day
    moved_or_cancelled = TokenEvent.objects.filter(
        Q(kind=EventKind.RESCHEDULED) | Q(kind=EventKind.CANCELLED),
        doctor_day=leave_day,
        at__gte=at(11),
        from_slot__start__gte=at(11),
    )
    assert moved_or_cancelled.exists()
    assert Token.objects.filter(doctor_day=leave_day, cancelled_by=CancelledBy.HOSPITAL).exists()
    assert not Token.objects.filter(
        slot__in=closed, status__in=(TokenStatus.BOOKED, TokenStatus.CHECKED_IN)
    ).exists()
    next_day = DoctorDay.objects.get(doctor=leave_day.doctor, date=DAY + timedelta(days=1))
    assert TokenEvent.objects.filter(doctor_day=next_day, kind=EventKind.WAITLISTED).exists()
    assert "is unavailable from 11:00" in outcome.text
    assert outcome.last_line == "invariants held: yes"


def test_rush_waitlists_patients_and_refills_freed_seats_from_the_list(simulate):
    outcome = simulate("--doctors", "2", "--scenario", "rush", "--seed", "1")

    assert _day_events(EventKind.WAITLISTED).count() > 0
    promoted = _day_events(EventKind.PROMOTED)
    assert promoted.count() > 0
    assert Token.objects.filter(events__in=promoted, status=TokenStatus.COMPLETED).exists()
    assert outcome.last_line == "invariants held: yes"


def test_delay_shrinks_the_late_doctors_first_slot_and_moves_its_excess(simulate):
    outcome = simulate("--doctors", "2", "--scenario", "delay", "--seed", "1")

    late = sim_doctor_days().get(date=DAY, delay_minutes=45)
    first = Slot.objects.filter(doctor_day=late).order_by("start").first()
    assert effective_capacity(first, late) < first.capacity
    assert TokenEvent.objects.filter(doctor_day=late, kind=EventKind.DELAY_MOVED).exists()
    first_call = (
        TokenEvent.objects.filter(doctor_day=late, kind=EventKind.CALLED).order_by("at").first()
    )
    assert first_call.at >= at(9, 45)
    assert "starts 45 minutes late" in outcome.text
    assert outcome.last_line == "invariants held: yes"


def test_emergencies_are_admitted_even_past_capacity_and_seen_first(simulate):
    outcome = simulate("--doctors", "2", "--scenario", "emergencies", "--seed", "1")

    assert _day_events(EventKind.EMERGENCY_ADMITTED).exists()
    assert _day_events(EventKind.OVERFLOW).exists()
    emergencies = Token.objects.filter(doctor_day__date=DAY, source=Source.EMERGENCY)
    assert emergencies.count() >= 4
    for emergency in emergencies:
        assert emergency.status == TokenStatus.COMPLETED
        jumped = Token.objects.filter(
            doctor_day=emergency.doctor_day,
            called_at__gt=emergency.checked_in_at,
            called_at__lt=emergency.called_at,
        ).exclude(source=Source.EMERGENCY)
        assert not jumped.exists(), f"{emergency} waited while others were called"
    assert outcome.last_line == "invariants held: yes"


def test_mass_cancellation_cancels_many_bookings_that_morning_and_estimates_follow(simulate):
    outcome = simulate("--doctors", "2", "--scenario", "mass-cancellation", "--seed", "1")

    advance = Token.objects.filter(doctor_day__in=sim_doctor_days().filter(date=DAY)).exclude(
        source__in=(Source.WALK_IN, Source.EMERGENCY)
    )
    cancelled = advance.filter(status=TokenStatus.CANCELLED, cancelled_by=CancelledBy.PATIENT)
    assert cancelled.count() >= advance.count() // 4
    assert {token.cancelled_at.astimezone(DAY_ZONE).date() for token in cancelled} == {DAY}
    assert "0 before the day" in outcome.text
    assert "ESTIMATES" in outcome.text
    assert "monotonicity violations along the serving order: 0" in outcome.text
    assert outcome.last_line == "invariants held: yes"
