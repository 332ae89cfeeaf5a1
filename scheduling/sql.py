"""The hand-written statements of the hottest paths: what every booking reads (the doctor it
names, the patient's places on the day, the seats, the day's queue) and what every status poll
reads (the printed slip's token).

Each runs on every request of its kind, under the doctor-day lock for the booking's. Written out
once here, they cost a fraction of what building the same statements through the ORM costs on
each call (see ``bench/README.md``); everything else goes through the ORM. Table and column
names come from the models, every value is a parameter, and rows become model instances through
``opd_site.rows``. The statements run unchanged on PostgreSQL and SQLite.
"""

import functools
from collections.abc import Sequence

from django.db import connection

from accounts.models import Patient, User
from doctors.models import Department, Doctor, DoctorLeave
from opd_site.rows import Part, read_all, read_one, read_rows, select_list, value_from_db
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
_SEAT_SLOT = (Part.of("s", Slot),)

SEAT_COUNTS = f"""
SELECT {select_list(_SEAT_SLOT)},
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
    slots = []
    for found, counts in read_rows(SEAT_COUNTS, seat_count_params(doctor_day_id), _SEAT_SLOT):
        slot = found["s"]
        slot.n_regular, slot.n_advance, slot.n_emergency, slot.n_held = counts
        slots.append(slot)
    return slots


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


# A printed slip's public status: the token's own columns (its place comes from the cached
# queue), its slot's times, the doctor's public name and department, and (for the status page)
# the patient's language. The day and its doctor are read whole: a cache miss walks the day's
# queue from them.
_SLIP_READ = (
    Part.of(
        "t", Token, "id", "doctor_day", "slot", "patient", "number", "reference", "source", "status"
    ),
    Part.of("s", Slot, "id", "start", "end"),
    Part.of("d", DoctorDay),
    Part.of("doc", Doctor),
    Part.of("u", User, "id", "name"),
    Part.of("dep", Department, "id", "name"),
)
_SLIP_PATIENT = Part.of("p", Patient, "id", "preferred_language")


@functools.cache
def _slip_sql(with_patient: bool) -> str:
    token, slot, day, doctor, user, department = _SLIP_READ
    parts = [*_SLIP_READ, _SLIP_PATIENT] if with_patient else _SLIP_READ
    patient = f" LEFT JOIN {_SLIP_PATIENT.table} ON p.id = t.patient_id" if with_patient else ""
    return (
        f"SELECT {select_list(parts)} FROM {token.table}"  # noqa: S608
        f" JOIN {slot.table} ON s.id = t.slot_id"
        f" JOIN {day.table} ON d.id = t.doctor_day_id"
        f" JOIN {doctor.table} ON doc.id = d.doctor_id"
        f" JOIN {user.table} ON u.id = doc.user_id"
        f" JOIN {department.table} ON dep.id = doc.department_id"
        f"{patient} WHERE t.reference = %s"
    )


def slip_token(reference: str, *, with_patient_language: bool = False) -> Token | None:
    """The token a slip's reference names, read with what its public status shows (see
    ``_SLIP_READ``): ``token.slot``, ``token.doctor_day.doctor`` with its user's name and its
    department's, and with ``with_patient_language`` ``token.patient.preferred_language``.
    Any other field is one more query when read."""
    parts = [*_SLIP_READ, _SLIP_PATIENT] if with_patient_language else _SLIP_READ
    read = read_one(_slip_sql(with_patient_language), [reference], parts)
    if read is None:
        return None
    found, _ = read
    token = found["t"]
    token.slot, token.doctor_day = found["s"], found["d"]
    token.doctor_day.doctor = doctor = found["doc"]
    doctor.user, doctor.department = found["u"], found["dep"]
    if with_patient_language:
        token.patient = found["p"]
    return token


# The doctor a booking names, as the booking needs it: the doctor whole (availability, token
# prefix, pace), the user's name and the department (the answer names them), and the end of their
# last leave (a booking for a day after it needs no look at the leave records).
_BOOKING_DOCTOR = (
    Part.of("doc", Doctor),
    Part.of("u", User, "id", "name"),
    Part.of("dep", Department),
)


@functools.cache
def _booking_doctor_sql() -> str:
    doctor, user, department = _BOOKING_DOCTOR
    leave = connection.ops.quote_name(DoctorLeave._meta.db_table)
    return (
        f"SELECT {select_list(_BOOKING_DOCTOR)},"  # noqa: S608
        f" (SELECT MAX(l.end_date) FROM {leave} l WHERE l.doctor_id = doc.id)"
        f" FROM {doctor.table}"
        f" JOIN {user.table} ON u.id = doc.user_id"
        f" JOIN {department.table} ON dep.id = doc.department_id"
        " WHERE doc.id = %s"
    )


def booking_doctor(pk: int) -> Doctor | None:
    """The doctor with that id as a booking reads it (``_BOOKING_DOCTOR``), with
    ``last_leave_ends``; None if there is none. Any other field is one more query when read."""
    read = read_one(_booking_doctor_sql(), [pk], _BOOKING_DOCTOR)
    if read is None:
        return None
    found, (last_leave_ends,) = read
    doctor = found["doc"]
    doctor.user, doctor.department = found["u"], found["dep"]
    doctor.last_leave_ends = value_from_db(DoctorLeave, "end_date", last_leave_ends)
    return doctor


# A day's queue, as ``selectors.serving_orders`` reads it: the tokens of these statuses with
# their slots. Every booking reads its day's queue (for the expected call the patient is told),
# and every cache miss of the queue, the board and the status pages.
_QUEUE_READ = (Part.of("t", Token), Part.of("s", Slot))


@functools.cache
def _queue_sql(days: int, statuses: int) -> str:
    token, slot = _QUEUE_READ
    day_marks, status_marks = _marks(range(days)), _marks(range(statuses))
    # The slots are filtered by the same days (a token's slot is always of its own day), so
    # PostgreSQL reads just those days' slots by index (``selectors.queued_tokens``).
    return (
        f"SELECT {select_list(_QUEUE_READ)} FROM {token.table}"  # noqa: S608
        f" JOIN {slot.table} ON s.id = t.slot_id"
        f" WHERE t.doctor_day_id IN ({day_marks}) AND s.doctor_day_id IN ({day_marks})"
        f" AND t.status IN ({status_marks}) ORDER BY t.id"
    )


def day_tokens(doctor_day_ids: Sequence[int], statuses: Sequence[str]) -> list[Token]:
    """The tokens of these days in these statuses, each with ``token.slot`` (one instance per
    slot, shared by its tokens), by id."""
    if not doctor_day_ids or not statuses:
        return []
    ids = list(doctor_day_ids)
    params = [*ids, *ids, *_values(*statuses)]
    tokens = []
    # A slot is built once, and its tokens share it (a busy day has hundreds of tokens).
    read = read_all(_queue_sql(len(ids), len(statuses)), params, _QUEUE_READ, shared=("s",))
    slot_of = Token._meta.get_field("slot")
    for found in read:
        token = found["t"]
        slot_of.set_cached_value(token, found["s"])  # as ``token.slot = ...``, its id is the same
        tokens.append(token)
    return tokens
