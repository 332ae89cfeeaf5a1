"""The ORM floor: the SQL baseline's transaction, written as idiomatic Django code.

The same four statements as ``bench/sqlbase.py`` (lock the doctor-day row, insert the token
with the next number, bump the counter, insert its event) through the stack every engine on
this project is built on: ``transaction.atomic()``, ``select_for_update()``, real model
instances (``Token.objects.create`` runs the model's defaults, its reference among them), an
``F()`` update. No policy: what is left between this and the SQL baseline is the cost of the
ORM; what is left between the engine and this is the cost of the engine's own work.

``allocate`` is also the transaction of the HTTP floor view (``bench/floor_views.py``).
"""

from datetime import date

from bench.config import configure_django
from bench.hospital import DayRef


def allocate(*, doctor_id: int, day: date, patient_id: int, slot_id: int | None = None, actor=None):
    """Book one token in one transaction; the ``Token`` it created.

    Without ``slot_id`` (the HTTP floor, where the request names only doctor and date), the
    day's first slot is read in the same statement that locks the day, so the transaction
    keeps its four round trips.
    """
    from django.db import transaction
    from django.db.models import F, OuterRef, Subquery

    from opd_site import clock
    from scheduling import policy
    from scheduling.models import DoctorDay, EventKind, Slot, Source, Token, TokenEvent

    days = DoctorDay.objects.select_for_update()
    if slot_id is None:
        first_slot = Slot.objects.filter(doctor_day=OuterRef("pk")).order_by("start")
        days = days.annotate(first_slot_id=Subquery(first_slot.values("pk")[:1]))
    now = clock.now()
    with transaction.atomic():
        doctor_day = days.get(doctor_id=doctor_id, date=day)
        slot_id = slot_id or doctor_day.first_slot_id
        token = Token.objects.create(
            doctor_day=doctor_day,
            slot_id=slot_id,
            patient_id=patient_id,
            number=doctor_day.token_counter + 1,
            source=Source.ONLINE,
            priority=policy.priority_for(Source.ONLINE),
            requested_at=now,
            booked_at=now,
            created_by=actor,
        )
        DoctorDay.objects.filter(pk=doctor_day.pk).update(token_counter=F("token_counter") + 1)
        TokenEvent.objects.create(
            token=token,
            doctor_day=doctor_day,
            kind=EventKind.BOOKED,
            to_slot_id=slot_id,
            actor=actor,
            at=now,
        )
    return token


def prepare(*, index: int, payload: dict):
    """Start Django and connect before the clock starts; return the booking callable and the
    server process id of this worker's connection."""
    configure_django(payload["url"])
    from django.db import connection

    connection.ensure_connection()

    def book(ref: DayRef, patient_id: int) -> None:
        allocate(
            doctor_id=ref.doctor_id,
            day=ref.day,
            patient_id=patient_id,
            slot_id=ref.first_slot_id,
        )

    return book, connection.connection.info.backend_pid


def days_with_gaps(refs: list[DayRef]) -> int:
    """Doctor-days among ``refs`` whose token numbers are not exactly 1..n: a floor or baseline
    that skipped or repeated numbers would not be doing the work it is compared for."""
    from django.db.models import Count, F, Max

    from scheduling.models import Token

    bad = (
        Token.objects.filter(doctor_day_id__in=[ref.doctor_day_id for ref in refs])
        .values("doctor_day_id")
        .annotate(n=Count("id"), top=Max("number"))
        .exclude(n=F("top"))
    )
    return bad.count()
