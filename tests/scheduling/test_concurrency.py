"""Concurrent requests against PostgreSQL: the doctor-day lock keeps every invariant.

Real parallel transactions, one connection per thread, released together by a barrier. The
control test turns the lock off and shows the race happening, so these tests prove the lock is
what protects the seats.
"""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections

import scheduling.locking
from scheduling.invariants import check_invariants
from scheduling.locking import doctor_day_locked
from scheduling.models import ACTIVE_STATUSES, DoctorDay, Token, WaitingEntry
from scheduling.services.cancellation import cancel_token
from scheduling.services.requests import request_token
from tests.scheduling.helpers import fill_day, make_day, new_patient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
SOURCES = ("online", "walk_in", "priority")


@pytest.fixture(autouse=True)
def patient_lock_timeout(settings):
    """Fifty requests queue on one row: give the last one time to get its turn."""
    settings.OPD = {**settings.OPD, "LOCK_TIMEOUT_MS": 60_000}


def run_together(count: int, work) -> list[tuple[str, object]]:
    """Run ``work(i)`` in ``count`` threads released at once; each answer is (kind, value)."""
    barrier = threading.Barrier(count)
    answers: list[tuple[str, object]] = [("missing", None)] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            answers[i] = ("ok", work(i))
        except Exception as exc:  # noqa: BLE001 - every outcome is reported to the test
            answers[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "deadlock: a thread never finished"
    return answers


def active_by_slot(day) -> Counter:
    return Counter(
        Token.objects.filter(doctor_day=day.doctor_day, status__in=ACTIVE_STATUSES).values_list(
            "slot_id", flat=True
        )
    )


def numbers_of(day) -> list[int]:
    return sorted(Token.objects.filter(doctor_day=day.doctor_day).values_list("number", flat=True))


def test_fifty_simultaneous_requests_never_exceed_capacity(clock):
    day = make_day(hours=(9, 10, 11, 12), capacity=3)
    patients = [new_patient() for _ in range(THREADS)]

    answers = run_together(
        THREADS,
        lambda i: request_token(
            doctor=day.doctor, day=day.date, source=SOURCES[i % 3], patient=patients[i]
        ),
    )

    errors = [value for kind, value in answers if kind != "ok"]
    assert errors == []
    seated = [a for _, a in answers if a.token is not None]
    waiting = [a for _, a in answers if a.waiting is not None]
    assert len(seated) + len(waiting) == THREADS  # every request answered
    assert len(seated) == 12  # every seat taken, none twice
    assert WaitingEntry.objects.filter(doctor_day=day.doctor_day, status="waiting").count() == len(
        waiting
    )
    assert all(count <= 3 for count in active_by_slot(day).values())
    assert numbers_of(day) == list(range(1, 13))
    assert check_invariants() == []


def test_cancellations_racing_bookings_keep_every_invariant(clock):
    day = make_day(hours=(9, 10, 11, 12), capacity=3)
    booked = fill_day(day, "online")  # 12 tokens: the day is full
    patients = [new_patient() for _ in range(THREADS)]
    cancellers = 12

    def work(i):
        if i < cancellers:
            return cancel_token(token=booked[i])
        return request_token(
            doctor=day.doctor, day=day.date, source=SOURCES[i % 3], patient=patients[i]
        )

    answers = run_together(THREADS, work)

    assert [value for kind, value in answers if kind != "ok"] == []
    requests = [value for _, value in answers[cancellers:]]
    assert all(a.token is not None or a.waiting is not None for a in requests)
    assert all(count <= 3 for count in active_by_slot(day).values())
    active = sum(active_by_slot(day).values())
    still_waiting = WaitingEntry.objects.filter(doctor_day=day.doctor_day, status="waiting").count()
    # Twelve seats, all cancelled and re-let: full again, the rest on the waiting list.
    assert active == 12
    assert active + still_waiting == THREADS - cancellers
    numbers = numbers_of(day)
    assert numbers == list(range(1, len(numbers) + 1))
    assert check_invariants() == []


def test_a_lock_on_one_doctor_day_does_not_delay_another(clock):
    monday = make_day(hours=(9, 10))
    tuesday = make_day(doctor=monday.doctor, on=monday.date + timedelta(days=1), hours=(9, 10))
    other_doctor = make_day(hours=(9, 10))
    held, release = threading.Event(), threading.Event()

    def hold_monday():
        try:
            with doctor_day_locked(doctor_id=monday.doctor.id, day=monday.date):
                held.set()
                release.wait(timeout=2)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_monday)
    holder.start()
    try:
        assert held.wait(timeout=10)
        timings = {}
        for name, day in (("tuesday", tuesday), ("other doctor", other_doctor)):
            started = time.monotonic()
            allocation = request_token(
                doctor=day.doctor, day=day.date, source="online", patient=new_patient()
            )
            timings[name] = time.monotonic() - started
            assert allocation.token is not None
        assert holder.is_alive()  # Monday's lock is still held
    finally:
        holder.join(timeout=10)
    assert max(timings.values()) < 1.0, timings


def test_a_lock_on_a_doctor_day_makes_the_same_day_wait(clock):
    monday = make_day(hours=(9, 10))
    held = threading.Event()

    def hold_monday():
        try:
            with doctor_day_locked(doctor_id=monday.doctor.id, day=monday.date):
                held.set()
                time.sleep(1.5)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_monday)
    holder.start()
    assert held.wait(timeout=10)
    started = time.monotonic()
    request_token(doctor=monday.doctor, day=monday.date, source="online", patient=new_patient())
    waited = time.monotonic() - started
    holder.join(timeout=10)

    assert waited >= 1.0


def _lock_day_without_locking(doctor_id, day, *, reserve_number=False):
    """The lock helper with the lock removed: it still returns the doctor-day (and takes no
    number with it: each token's number comes from the counter's own update)."""
    doctor_day = DoctorDay.objects.select_related("doctor", "doctor__user").get(
        doctor_id=doctor_id, date=day
    )
    doctor_day.reserved_number = None
    return doctor_day


def test_control_without_the_row_lock_concurrent_bookings_collide(clock, monkeypatch):
    monkeypatch.setattr(scheduling.locking, "_lock_day", _lock_day_without_locking)
    races = []
    for _attempt in range(5):
        day = make_day(hours=(9, 10), capacity=2)
        patients = [new_patient() for _ in range(20)]
        answers = run_together(
            20,
            lambda i, day=day, patients=patients: request_token(
                doctor=day.doctor, day=day.date, source="walk_in", patient=patients[i]
            ),
        )
        collisions = [v for kind, v in answers if kind == "error" and isinstance(v, IntegrityError)]
        overbooked = any(count > 2 for count in active_by_slot(day).values())
        broken = check_invariants(DoctorDay.objects.filter(pk=day.doctor_day.pk))
        races.append((len(collisions), overbooked, broken))
        if collisions or overbooked or broken:
            break

    print("without the lock (collisions, overbooked, invariants broken):", races)
    assert any(collisions or overbooked or broken for collisions, overbooked, broken in races), (
        races
    )
