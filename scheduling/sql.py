"""The hand-written statements of the hottest paths: what every booking reads (the doctor it
names; then, in one statement under the lock, its day's slots with their active tokens, which
give the seats, the day's queue and the place the patient already holds) and what every status
poll reads (the printed slip's token).

Each runs on every request of its kind, under the doctor-day lock for the booking's. Written out
once here, they cost a fraction of what building the same statements through the ORM costs on
each call (see ``bench/README.md``); everything else goes through the ORM. Table and column
names come from the models, every value is a parameter, and rows become model instances through
``opd_site.rows``. The statements run unchanged on PostgreSQL and SQLite.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

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
_DAY_SLOT = Part.of("s", Slot)
_DAY_TOKEN = Part.of("t", Token)
# What the seat count needs of a token (the rule: ``_with_seat_counts``).
_COUNTED = ("priority", "source", "status")


def _day_from(with_place: bool) -> str:
    """A day's slots, each joined to its active tokens (a slot with none reads once, its token
    columns null); with the patient's open waiting entry, if any, on every row."""
    waiting = connection.ops.quote_name(WaitingEntry._meta.db_table)
    place = (
        f", (SELECT MIN(w.id) FROM {waiting} w"  # noqa: S608
        " WHERE w.doctor_day_id = %s AND w.patient_id = %s AND w.status = %s)"
        if with_place
        else ""
    )
    return (
        f"{place} FROM {_DAY_SLOT.table}"
        f" LEFT JOIN {_DAY_TOKEN.table} ON t.slot_id = s.id AND t.doctor_day_id = %s"
        f" AND t.status IN ({_marks(ACTIVE_STATUSES)})"
        " WHERE s.doctor_day_id = %s"
    )


@functools.cache
def booking_day_sql() -> str:
    """The booking's read of its locked day: every slot, every active token whole."""
    parts = select_list([_DAY_SLOT, _DAY_TOKEN])
    return f"SELECT {parts}{_day_from(True)} ORDER BY s.start, s.id, t.id"


@functools.cache
def _seats_sql() -> str:
    """The seats of a locked day: every slot, its tokens counted by what the rule looks at."""
    quote = connection.ops.quote_name
    counted = ", ".join(f"t.{quote(Token._meta.get_field(name).column)}" for name in _COUNTED)
    return (
        f"SELECT {select_list([_DAY_SLOT])}, {counted}, COUNT(t.id){_day_from(False)}"
        f" GROUP BY s.id, {counted} ORDER BY s.start, s.id"
    )


def day_params(doctor_day_id: int, patient_id: int | None = None) -> list:
    place = [] if patient_id is None else [doctor_day_id, patient_id, WaitingEntry.Status.WAITING]
    return _values(*place, doctor_day_id, *ACTIVE_STATUSES, doctor_day_id)


def slots_with_seat_counts(doctor_day_id: int) -> list[Slot]:
    """The day's slots in order, each with ``n_regular``, ``n_advance`` (regular tokens of an
    advance source), ``n_emergency`` (active tokens of emergency priority) and ``n_held``
    (regular tokens checked in, in consultation or completed)."""
    rows = read_rows(_seats_sql(), day_params(doctor_day_id), (_DAY_SLOT,), shared=("s",))
    return _with_seat_counts((found["s"], *counted) for found, counted in rows)


@dataclass
class BookingDay:
    """A locked doctor-day as a booking reads it (``booking_day``)."""

    slots: list[Slot]  # in order, each with its seat counts (``slots_with_seat_counts``)
    tokens: list[Token]  # the day's active tokens, each with its slot, by id
    place: dict | None  # the patient's place on the day, as ``place_held`` answers


def booking_day(doctor_day_id: int, patient_id: int) -> BookingDay:
    """One statement for what a booking reads under the lock: the day's slots with their seat
    counts, its active tokens (the day's queue, for the expected call the patient is told) and
    the place the patient already holds on the day."""
    read = read_rows(
        booking_day_sql(),
        day_params(doctor_day_id, patient_id),
        (_DAY_SLOT, _DAY_TOKEN),
        shared=("s",),
    )
    slot_of = Token._meta.get_field("slot")
    counted, tokens, place = [], [], None
    for found, _ in read:
        slot, token = found["s"], found["t"]
        if token is None:
            counted.append((slot, None, None, None, 0))
            continue
        slot_of.set_cached_value(token, slot)  # as ``token.slot = ...``, its id is the same
        tokens.append(token)
        counted.append((slot, token.priority, token.source, token.status, 1))
        if token.patient_id == patient_id:
            place = _place(token=(token.pk, token.reference))
    tokens.sort(key=lambda token: token.pk)
    if place is None:
        # The waiting entry comes on every row; a day without slots has none to carry it.
        place = place_held(doctor_day_id, patient_id) if not read else _place(waiting=read[0][1][0])
    return BookingDay(slots=_with_seat_counts(counted), tokens=tokens, place=place)


def _place(*, token: tuple[int, str] | None = None, waiting: int | None = None) -> dict | None:
    """A patient's place on a day as the refusal reports it: their active token (id and
    reference), else their open waiting entry (id), else None."""
    if token is not None:
        return {"token": token[0], "reference": token[1]}
    return None if waiting is None else {"waiting": waiting}


def _with_seat_counts(counted) -> list[Slot]:
    """The slots of (slot, priority, source, status, tokens) rows, in order, each with its
    counts: the one rule of which active token takes which kind of seat."""
    emergency = policy.emergency_priority()
    slots: dict[int, Slot] = {}
    for slot, priority, source, status, n in counted:
        if slot.pk not in slots:
            slot.n_regular = slot.n_advance = slot.n_emergency = slot.n_held = 0
            slots[slot.pk] = slot
        if not n:
            continue
        if priority >= emergency:
            slot.n_emergency += n
            continue
        slot.n_regular += n
        if source in ADVANCE_SOURCES:
            slot.n_advance += n
        if status in HELD_STATUSES:
            slot.n_held += n
    return list(slots.values())


@functools.cache
def _places_sql() -> str:
    return f"""
SELECT 'token', id, reference FROM {Token._meta.db_table}
WHERE doctor_day_id = %s AND patient_id = %s AND status IN ({_marks(ACTIVE_STATUSES)})
UNION ALL
SELECT 'waiting', id, '' FROM {WaitingEntry._meta.db_table}
WHERE doctor_day_id = %s AND patient_id = %s AND status = %s
"""  # noqa: S608


def _places_params(doctor_day_id: int, patient_id: int) -> list:
    return _values(
        doctor_day_id,
        patient_id,
        *ACTIVE_STATUSES,
        doctor_day_id,
        patient_id,
        WaitingEntry.Status.WAITING,
    )


def place_held(doctor_day_id: int, patient_id: int) -> dict | None:
    """The patient's active token on the day (``{"token": id, "reference": ...}``), else their
    open waiting entry (``{"waiting": id}``), else None."""
    with connection.cursor() as cursor:
        cursor.execute(_places_sql(), _places_params(doctor_day_id, patient_id))
        held = {kind: (pk, reference) for kind, pk, reference in cursor.fetchall()}
    return _place(token=held.get("token"), waiting=held.get("waiting", (None,))[0])


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


# A doctor's day as its public queue reads it on every poll (before the cache): the day whole
# (its version keys the cache) and its doctor whole.
_DAY_WITH_DOCTOR = (Part.of("d", DoctorDay), Part.of("doc", Doctor))


@functools.cache
def _day_with_doctor_sql() -> str:
    day, doctor = _DAY_WITH_DOCTOR
    return (
        f"SELECT {select_list(_DAY_WITH_DOCTOR)} FROM {day.table}"  # noqa: S608
        f" JOIN {doctor.table} ON doc.id = d.doctor_id WHERE d.doctor_id = %s AND d.date = %s"
    )


def _date(day):
    """A date as the ORM sends it to this database."""
    return DoctorDay._meta.get_field("date").get_db_prep_value(day, connection)


def day_with_doctor(doctor_id: int, day) -> DoctorDay | None:
    """The doctor's day on that date with ``doctor_day.doctor``, or None if there is none."""
    read = read_one(_day_with_doctor_sql(), [doctor_id, _date(day)], _DAY_WITH_DOCTOR)
    if read is None:
        return None
    found, _ = read
    doctor_day = found["d"]
    doctor_day.doctor = found["doc"]
    return doctor_day


# A department's waiting-hall board, read on every poll (before the cache): the department
# and its doctors' days with slots on the date, each with its doctor and the doctor's name.
_BOARD = (
    Part.of("dep", Department),
    Part.of("d", DoctorDay),
    Part.of("doc", Doctor),
    Part.of("u", User, "id", "name"),
)


@functools.cache
def _board_sql() -> str:
    department, day, doctor, user = _BOARD
    slot = connection.ops.quote_name(Slot._meta.db_table)
    # Every doctor of the department, each with their day on the date if it has slots (a
    # doctor without one reads with the day's columns null); a department without doctors
    # still reads, once, so that it is found.
    return (
        f"SELECT {select_list(_BOARD)} FROM {department.table}"  # noqa: S608
        f" LEFT JOIN {doctor.table} ON doc.department_id = dep.id"
        f" LEFT JOIN {day.table} ON d.doctor_id = doc.id AND d.date = %s"
        f" AND EXISTS (SELECT 1 FROM {slot} s WHERE s.doctor_day_id = d.id)"
        f" LEFT JOIN {user.table} ON u.id = doc.user_id"
        " WHERE UPPER(dep.code) = UPPER(%s) ORDER BY dep.id, u.name, doc.id"
    )


def board_days(code: str, day) -> tuple[Department | None, list[DoctorDay]]:
    """The department whose code is ``code`` (any case), and its doctor-days with slots on
    ``day`` by doctor's name, each with ``doctor_day.doctor`` and its user's name; (None, [])
    when there is no such department."""
    department, days = None, []
    for found in read_all(_board_sql(), [_date(day), code], _BOARD):
        if department is None:
            department = found["dep"]
        elif found["dep"].pk != department.pk:
            break  # codes differing only in case: the first department's, as ever
        if found["d"] is not None:
            doctor_day, doctor = found["d"], found["doc"]
            doctor_day.doctor, doctor.user = doctor, found["u"]
            days.append(doctor_day)
    return department, days
