"""The live queue reads only its own day's slots, however many days the hospital has scheduled.

A hospital schedules thousands of slots a month and never deletes them, and books weeks ahead.
The serving order joins each queued token to its slot. With statistics that expect many queued
tokens on a day, PostgreSQL chose to hash the whole slot table for that join, a cost that every
queue screen, board refresh and booking answer paid and that grows with the hospital's history.
These tests build such a history, let PostgreSQL gather its statistics, and read the plans of
the live-queue statements the engine and the screens really send.
"""

import json
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opd_site import clock
from queueing.selectors import board_for
from queueing.services import check_in
from scheduling.models import DoctorDay, Slot, Token
from scheduling.selectors import queue_item_for, serving_order
from tests import factories
from tests.scheduling.helpers import book, make_day

pytestmark = pytest.mark.postgres

PAST_DAYS = 1500
BOOKED_DOCTORS = 7
BOOKED_DAYS = 30
TOKENS_PER_DAY = 150


def _days_with_slots(doctor, dates) -> tuple[list[DoctorDay], list[Slot]]:
    days = DoctorDay.objects.bulk_create(DoctorDay(doctor=doctor, date=d) for d in dates)
    slots = Slot.objects.bulk_create(
        Slot(
            doctor_day=day,
            start=factories.local_datetime(day.date, time(hour, 0)),
            end=factories.local_datetime(day.date, time(hour + 1, 0)),
            capacity=TOKENS_PER_DAY,
        )
        for day in days
        for hour in (9, 10, 11, 12)
    )
    return days, slots


def _history(department) -> None:
    """Four years of one doctor's past days, and a month of advance bookings for seven more;
    then ANALYZE, as autovacuum keeps the statistics of a database in use."""
    today = clock.today()
    _days_with_slots(
        factories.DoctorFactory(department=department),
        [today - timedelta(days=1 + i) for i in range(PAST_DAYS)],
    )
    patients = factories.PatientFactory.create_batch(TOKENS_PER_DAY)
    now = clock.now()
    ahead = [today + timedelta(days=1 + i) for i in range(BOOKED_DAYS)]
    for _ in range(BOOKED_DOCTORS):
        days, slots = _days_with_slots(factories.DoctorFactory(department=department), ahead)
        Token.objects.bulk_create(
            Token(
                doctor_day=day,
                slot=slots[4 * d],
                patient=patient,
                number=n + 1,
                source="online",
                priority=50,
                requested_at=now,
                booked_at=now,
            )
            for d, day in enumerate(days)
            for n, patient in enumerate(patients)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _slot_table_scans(statements: list[str]) -> list[str]:
    """The statements whose plan reads the whole slot table."""
    found = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            if _seq_scans(plan[0]["Plan"], Slot._meta.db_table):
                found.append(sql[:120])
    return found


def _seq_scans(node: dict, table: str) -> bool:
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == table:
        return True
    return any(_seq_scans(child, table) for child in node.get("Plans", []))


def _reads(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]


@pytest.fixture
def busy_hospital(clock, db):
    """Today's queue for one doctor, beside years of slots and a month of advance bookings."""
    doctor = factories.DoctorFactory()
    _history(doctor.department)
    day = make_day(doctor=doctor, hours=(9, 10, 11, 12), capacity=6)
    tokens = [book(day, "online", slot=slot).token for slot in day.slots for _ in range(3)]
    clock.set(factories.local_datetime(day.date, time(9, 5)))
    for token in tokens[:4]:
        check_in(token=token)
    return day, tokens


def test_the_doctors_queue_and_a_tokens_place_read_only_the_days_slots(busy_hospital):
    day, tokens = busy_hospital
    statements = _reads(lambda: serving_order(doctor_day=day.doctor_day))
    statements += _reads(
        lambda: queue_item_for(
            Token.objects.select_related("slot", "doctor_day__doctor").get(pk=tokens[-1].pk)
        )
    )

    assert len(serving_order(doctor_day=day.doctor_day)) == len(tokens)
    assert _slot_table_scans(statements) == []


def test_the_waiting_hall_board_reads_only_todays_slots(busy_hospital):
    day, _ = busy_hospital
    statements = _reads(lambda: board_for(department=day.doctor.department))

    rows = board_for(department=day.doctor.department)
    assert [row.doctor for row in rows] == [day.doctor]
    assert _slot_table_scans(statements) == []
