"""The payments migration keeps existing tokens valid: fees become unpaid (a fee of 0 is nothing
owed), except where the old code had already refunded, or been asked to refund, a fee it
assumed was paid: those tokens get that payment, so no refund exceeds what was paid."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scheduling.invariants import check_invariants
from scheduling.models import Payment, Token

BEFORE = [("scheduling", "0002_waiting_list_moves_here")]
ZONE = ZoneInfo(settings.TIME_ZONE)


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_payments(transactional_db):
    latest = _latest()
    apps = _migrate(BEFORE)
    yield apps
    _migrate(latest)


def _old_hospital(apps):
    """What the old code left behind: tokens with fees, two of them with refunds."""
    user = apps.get_model("accounts", "User").objects.create(
        email="dr@example.com", name="Dr Old", role="doctor"
    )
    department = apps.get_model("doctors", "Department").objects.create(name="Old", code="OLD")
    doctor = apps.get_model("doctors", "Doctor").objects.create(
        user=user, department=department, license_number="L-1", token_prefix="OLD1"
    )
    day = datetime(2026, 3, 2, tzinfo=ZONE).date()
    doctor_day = apps.get_model("scheduling", "DoctorDay").objects.create(doctor=doctor, date=day)
    start = datetime.combine(day, time(9), tzinfo=ZONE)
    slot = apps.get_model("scheduling", "Slot").objects.create(
        doctor_day=doctor_day, start=start, end=start + timedelta(hours=1), capacity=6
    )
    patients = apps.get_model("accounts", "Patient")
    tokens = apps.get_model("scheduling", "Token")
    refunds = apps.get_model("scheduling", "Refund")
    made = {}
    for number, (name, fee, refund_status) in enumerate(
        [
            ("unpaid", Decimal("300.00"), None),
            ("free", Decimal("0"), None),
            ("asked", Decimal("500.00"), "requested"),
            ("refunded", Decimal("500.00"), "paid"),
        ],
        start=1,
    ):
        token = tokens.objects.create(
            doctor_day=doctor_day,
            slot=slot,
            patient=patients.objects.create(name=name, mrn=f"MRN-{number}"),
            number=number,
            reference=f"ref{number}",
            source="priority",
            priority=80,
            status="cancelled" if refund_status else "booked",
            cancelled_by="hospital" if refund_status else "",
            cancelled_at=start - timedelta(days=2) if refund_status else None,
            fee=fee,
            requested_at=start - timedelta(days=3),
            booked_at=start - timedelta(days=3),
        )
        if refund_status:
            refunds.objects.create(
                token=token, amount=fee, status=refund_status, requested_at=start
            )
        made[name] = token.pk
    doctor_day.token_counter = len(made)
    doctor_day.save()
    return made


def test_old_tokens_become_unpaid_unless_the_old_code_refunded_them(before_payments):
    made = _old_hospital(before_payments)

    _migrate(_latest())

    states = {name: Token.objects.get(pk=pk).payment_state for name, pk in made.items()}
    assert states == {
        "unpaid": "unpaid",
        "free": "unpaid",
        "asked": "paid",
        "refunded": "refunded",
    }
    assumed = Payment.objects.order_by("token_id")
    assert [(p.token_id, p.amount, p.method) for p in assumed] == [
        (made["asked"], Decimal("500.00"), "cash"),
        (made["refunded"], Decimal("500.00"), "cash"),
    ]
    assert all(p.reference == "recorded before payments were tracked" for p in assumed)
    # Invariant 9 holds over the old rows (made here without the events a real history has).
    assert [problem for problem in check_invariants() if "paid" in problem] == []
