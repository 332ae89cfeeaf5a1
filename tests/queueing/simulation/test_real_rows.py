"""The simulation never changes a real row, even when run_tick could reach one."""

from datetime import timedelta

from django.utils import timezone

from scheduling.models import IdempotencyKey, TokenEvent, TokenStatus, WaitingEntry
from tests import factories
from tests.queueing.simulation.conftest import DAY, at


def test_real_bookings_waiting_entries_and_keys_are_left_alone(simulate):
    yesterday = factories.DoctorDayFactory(date=DAY - timedelta(days=1))
    real_token = factories.TokenFactory(slot=factories.SlotFactory(doctor_day=yesterday))
    today = factories.DoctorDayFactory(date=DAY)
    factories.SlotFactory(doctor_day=today, hour=12)
    real_entry = factories.WaitingEntryFactory(doctor_day=today)
    key = IdempotencyKey.objects.create(
        user=factories.UserFactory(),
        key="booking-1",
        request_hash="0" * 64,
        response_status=201,
        response_body={},
        created_at=timezone.now(),
    )

    outcome = simulate("--doctors", "2", "--patients", "24", "--seed", "4")

    real_token.refresh_from_db()
    real_entry.refresh_from_db()
    assert real_token.status == TokenStatus.BOOKED
    assert real_entry.status == WaitingEntry.Status.WAITING
    assert IdempotencyKey.objects.filter(pk=key.pk).exists()
    assert not TokenEvent.objects.filter(doctor_day__in=[yesterday, today]).exists()
    assert "limited to the simulated hospital" in outcome.text
    assert outcome.last_line == "invariants held: yes"


def test_a_real_idempotency_key_alone_keeps_run_tick_off_the_real_rows(simulate):
    key = IdempotencyKey.objects.create(
        user=factories.UserFactory(),
        key="booking-2",
        request_hash="1" * 64,
        response_status=201,
        response_body={},
        created_at=at(8, day=DAY - timedelta(days=2)),
    )

    outcome = simulate("--doctors", "1", "--patients", "12", "--seed", "4")

    assert IdempotencyKey.objects.filter(pk=key.pk).exists()
    assert "limited to the simulated hospital" in outcome.text
    assert outcome.last_line == "invariants held: yes"


def test_on_an_otherwise_empty_database_every_tick_is_run_tick_itself(simulate):
    outcome = simulate("--doctors", "1", "--patients", "12", "--seed", "4")

    assert "run_tick() every 5 simulated minutes (67 ticks)" in outcome.text
    assert "limited to the simulated hospital" not in outcome.text
