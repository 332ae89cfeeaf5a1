"""The hand-written statements: the two reads every booking makes, and the read of a printed
slip's token that the status pollers make.

The first two run in every token request, under the doctor-day lock; the slip's read runs for
every poll of a patient's status page and of the public token-status, the most frequent
requests of the day. Written out once here, they cost a fraction of what building the same
statements through the ORM costs on each call (see ``bench/README.md``); everything else goes
through the ORM. Table names come from the models and every value is a parameter. The
statements run unchanged on PostgreSQL and SQLite.
"""

import functools

from django.db import connection

from accounts.models import Patient, User
from doctors.models import Department, Doctor
from scheduling import policy
from scheduling.models import (
    ACTIVE_STATUSES,
    ADVANCE_SOURCES,
    HELD_STATUSES,
    DoctorDay,
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


def model_from_row(model, fields, values):
    """A model instance from database values, converted as the ORM converts them; the fields
    left out are deferred (read on first use, as with ``QuerySet.only``)."""
    converted = []
    for (column, converters), value in zip(
        _converters(connection.alias, model, tuple(fields)), values, strict=True
    ):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


@functools.cache
def _converters(alias: str, model, fields: tuple) -> list[tuple]:
    """Each field's column and the converters the ORM applies to its values, looked up once per
    database: they depend on the backend and the field only (the connection is passed in)."""
    found = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        found.append((column, converters))
    return found


def _fields(model, *names: str) -> list:
    return [model._meta.get_field(name) for name in names]


# A printed slip's public status: the token's own columns (its place comes from the cached
# queue), its slot's times, the doctor's public name and department, and (for the status page)
# the patient's language. The day and its doctor are read whole: a cache miss walks the day's
# queue from them.
_SLIP_READ = (
    (
        "t",
        Token,
        _fields(
            Token, "id", "doctor_day", "slot", "patient", "number", "reference", "source", "status"
        ),
    ),
    ("s", Slot, _fields(Slot, "id", "start", "end")),
    ("d", DoctorDay, DoctorDay._meta.concrete_fields),
    ("doc", Doctor, Doctor._meta.concrete_fields),
    ("u", User, _fields(User, "id", "name")),
    ("dep", Department, _fields(Department, "id", "name")),
)
_SLIP_PATIENT = ("p", Patient, _fields(Patient, "id", "preferred_language"))


@functools.cache
def _slip_sql(with_patient: bool) -> str:
    quote = connection.ops.quote_name
    read = [*_SLIP_READ, _SLIP_PATIENT] if with_patient else _SLIP_READ
    columns = ", ".join(
        f"{alias}.{quote(field.column)}" for alias, _, fields in read for field in fields
    )

    def table(model) -> str:
        return quote(model._meta.db_table)

    patient = f" LEFT JOIN {table(Patient)} p ON p.id = t.patient_id" if with_patient else ""
    return (
        f"SELECT {columns} FROM {table(Token)} t"  # noqa: S608
        f" JOIN {table(Slot)} s ON s.id = t.slot_id"
        f" JOIN {table(DoctorDay)} d ON d.id = t.doctor_day_id"
        f" JOIN {table(Doctor)} doc ON doc.id = d.doctor_id"
        f" JOIN {table(User)} u ON u.id = doc.user_id"
        f" JOIN {table(Department)} dep ON dep.id = doc.department_id"
        f"{patient} WHERE t.reference = %s"
    )


def slip_token(reference: str, *, with_patient_language: bool = False) -> Token | None:
    """The token a slip's reference names, read with what its public status shows (see
    ``_SLIP_READ``): ``token.slot``, ``token.doctor_day.doctor`` with its user's name and its
    department's, and with ``with_patient_language`` ``token.patient.preferred_language``.
    Any other field is one more query when read."""
    read = [*_SLIP_READ, _SLIP_PATIENT] if with_patient_language else _SLIP_READ
    with connection.cursor() as cursor:
        cursor.execute(_slip_sql(with_patient_language), [reference])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, at = {}, 0
    for alias, model, fields in read:
        values = row[at : at + len(fields)]
        at += len(fields)
        # A token whose patient record is gone reads the LEFT JOIN's nulls: no patient then.
        instances[alias] = None if values[0] is None else model_from_row(model, fields, values)
    token = instances["t"]
    token.slot, token.doctor_day = instances["s"], instances["d"]
    token.doctor_day.doctor = doctor = instances["doc"]
    doctor.user, doctor.department = instances["u"], instances["dep"]
    if with_patient_language:
        token.patient = instances["p"]
    return token
