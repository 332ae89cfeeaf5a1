"""The engine's two hand-written statements, for the reads every booking makes.

Both run in every token request, under the doctor-day lock. Written out once here, they cost a
fraction of what building the same statements through the ORM costs on each call (see
``bench/README.md``); everything else in the engine goes through the ORM. Table names come from
the models and every value is a parameter. Both statements run unchanged on PostgreSQL and
SQLite.
"""

import functools

from django.db import connection

from scheduling import policy
from scheduling.models import (
    ACTIVE_STATUSES,
    ADVANCE_SOURCES,
    HELD_STATUSES,
    Slot,
    Token,
    WaitingEntry,
)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _values(*params) -> list:
    """Choices go to the driver as their plain string values, not as enum members."""
    return [str(p) if isinstance(p, str) else p for p in params]


# Columns are named, not ``s.*``: a prepared statement's result must keep its shape when a
# migration adds a column while old workers still run.
_SLOT_COLUMNS = ", ".join(
    f"s.{connection.ops.quote_name(field.column)}" for field in Slot._meta.concrete_fields
)

SEAT_COUNTS = f"""
SELECT {_SLOT_COLUMNS},
    SUM(CASE WHEN t.priority < %s THEN 1 ELSE 0 END) AS n_regular,
    SUM(CASE WHEN t.priority < %s AND t.source IN ({_marks(ADVANCE_SOURCES)})
        THEN 1 ELSE 0 END) AS n_advance,
    SUM(CASE WHEN t.priority >= %s THEN 1 ELSE 0 END) AS n_emergency,
    SUM(CASE WHEN t.priority < %s AND t.status IN ({_marks(HELD_STATUSES)})
        THEN 1 ELSE 0 END) AS n_held
FROM {Slot._meta.db_table} s
LEFT JOIN {Token._meta.db_table} t
    ON t.slot_id = s.id AND t.doctor_day_id = %s AND t.status IN ({_marks(ACTIVE_STATUSES)})
WHERE s.doctor_day_id = %s
GROUP BY s.id
ORDER BY s.start, s.id
"""  # noqa: S608


def seat_count_params(doctor_day_id: int) -> list:
    emergency = policy.emergency_priority()
    return _values(
        emergency,
        emergency,
        *ADVANCE_SOURCES,
        emergency,
        emergency,
        *HELD_STATUSES,
        doctor_day_id,
        *ACTIVE_STATUSES,
        doctor_day_id,
    )


def slots_with_seat_counts(doctor_day_id: int) -> list[Slot]:
    """The day's slots in order, each with ``n_regular``, ``n_advance`` (regular tokens of an
    advance source), ``n_emergency`` (active tokens of emergency priority) and ``n_held``
    (regular tokens checked in, in consultation or completed)."""
    return list(Slot.objects.raw(SEAT_COUNTS, seat_count_params(doctor_day_id)))


@functools.cache
def places_sql() -> str:
    return f"""
SELECT 'token', id, reference FROM {Token._meta.db_table}
WHERE doctor_day_id = %s AND patient_id = %s AND status IN ({_marks(ACTIVE_STATUSES)})
UNION ALL
SELECT 'waiting', id, '' FROM {WaitingEntry._meta.db_table}
WHERE doctor_day_id = %s AND patient_id = %s AND status = %s
"""  # noqa: S608


def places_params(doctor_day_id: int, patient_id: int) -> list:
    return _values(
        doctor_day_id,
        patient_id,
        *ACTIVE_STATUSES,
        doctor_day_id,
        patient_id,
        WaitingEntry.Status.WAITING,
    )


def places_held(*, doctor_day_id: int, patient_id: int) -> list[tuple[str, int, str]]:
    """The patient's active tokens and open waiting entries on the day, as (kind, id,
    reference) rows: kind is "token" or "waiting"; a waiting entry has no reference."""
    with connection.cursor() as cursor:
        cursor.execute(places_sql(), places_params(doctor_day_id, patient_id))
        return cursor.fetchall()
