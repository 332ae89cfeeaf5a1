"""The one place that locks: a doctor-day row, inside the transaction that owns the change.

On PostgreSQL the row is locked by updating its version under a ``lock_timeout``, so a
stuck lock turns into ``LockTimeout`` (HTTP 503) instead of a hung request. On SQLite every
transaction is IMMEDIATE (see settings), which serialises writers for the whole file.
Operations that span several days lock them in date order, so two of them never deadlock.
"""

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import DatabaseError, connection, transaction
from django.db.models import F

from accounts.models import Patient
from doctors.models import Doctor
from opd_site.rows import model_from_row
from scheduling import policy
from scheduling.errors import LockTimeout
from scheduling.metrics import timed_lock_wait
from scheduling.models import DoctorDay


@timed_lock_wait
def _lock_day(doctor_id: int, day: date, *, reserve_number: bool = False) -> DoctorDay:
    doctor_day = _bump_and_lock(doctor_id, day, reserve_number)
    if doctor_day is None:
        # Two requests may both miss the row: the insert ignores the loser's conflict.
        DoctorDay.objects.bulk_create(
            [DoctorDay(doctor_id=doctor_id, date=day)], ignore_conflicts=True
        )
        doctor_day = _bump_and_lock(doctor_id, day, reserve_number)
    return doctor_day


def _bump_and_lock(doctor_id: int, day: date, reserve_number: bool = False) -> DoctorDay | None:
    """Lock the doctor-day row by moving its version, and read it with its doctor: on
    PostgreSQL one statement, ``UPDATE ... FROM doctor ... RETURNING``, which also sets the
    transaction's ``lock_timeout`` before it waits for the row; on SQLite, whose transaction
    already holds the file, the doctor is read after.

    Whatever the transaction changes in the day becomes visible together with the new version,
    and a rollback takes both back: readers key their cache by it (``scheduling/readcache.py``).
    Only the doctor-day row is locked, not the doctor's, so the same doctor's other days never
    wait on this one.

    With ``reserve_number`` the same statement takes the day's next token number
    (``DoctorDay.reserved_number``): a request that will most likely issue a token saves the
    counter's own statement (see ``doctor_day_locked``)."""
    joined = connection.vendor == "postgresql"
    params = [int(reserve_number), doctor_id, connection.ops.adapt_datefield_value(day)]
    if joined:
        params.insert(0, f"{policy.lock_timeout_ms()}ms")
    with connection.cursor() as cursor:
        cursor.execute(_lock_statement(connection.vendor), params)
        row = cursor.fetchone()
    if row is None:
        return None
    doctor_day = model_from_row(DoctorDay, _DAY_FIELDS, row[: len(_DAY_FIELDS)])
    if joined:
        doctor_day.doctor = model_from_row(Doctor, _DOCTOR_FIELDS, row[len(_DAY_FIELDS) :])
    else:
        doctor_day.doctor = Doctor.objects.get(pk=doctor_day.doctor_id)
    doctor_day.reserved_number = doctor_day.token_counter if reserve_number else None
    return doctor_day


_DAY_FIELDS = DoctorDay._meta.concrete_fields
_DOCTOR_FIELDS = Doctor._meta.concrete_fields


@functools.cache
def _lock_statement(vendor: str) -> str:
    """The statement, built once from the models' tables and columns (no value is formatted
    into it; the number reserved (0 or 1), the doctor and the date are parameters)."""
    quote = connection.ops.quote_name
    counter = quote(DoctorDay._meta.get_field("token_counter").column)
    day, doctor = quote(DoctorDay._meta.db_table), quote(Doctor._meta.db_table)
    returned = [(day, _DAY_FIELDS)]
    timeout = joined = ""
    if vendor == "postgresql":  # SQLite's RETURNING cannot name the FROM tables' columns
        returned.append((doctor, _DOCTOR_FIELDS))
        # The transaction's lock_timeout, set before the row is reached: the update needs the
        # joined row, and the row needs the (volatile, so evaluated first) setting.
        timeout = "WITH timeout AS (SELECT set_config('lock_timeout', %s, true)) "
        joined = f" FROM {doctor}, timeout"
    columns = ", ".join(
        f"{table}.{quote(field.column)}" for table, fields in returned for field in fields
    )
    where = f"{day}.doctor_id = %s AND {day}.date = %s"
    if joined:
        where = f"{doctor}.id = {day}.doctor_id AND {where}"
    return (
        f"{timeout}UPDATE {day} SET version = {day}.version + 1,"  # noqa: S608
        f" {counter} = {day}.{counter} + %s{joined}"
        f" WHERE {where} RETURNING {columns}"
    )


# The days this context holds locked: their versions are bumped already.
_locked_days: ContextVar[frozenset[int]] = ContextVar("locked_days", default=frozenset())


@contextmanager
def _holding(doctor_day_ids: Iterable[int]) -> Iterator[None]:
    reset = _locked_days.set(_locked_days.get() | frozenset(doctor_day_ids))
    try:
        yield
    finally:
        _locked_days.reset(reset)


def bump_unlocked(sender, instance, **kwargs) -> None:
    """A row of a day saved or deleted outside ``doctor_day_locked`` (a test's factory, a shell):
    its day's version moves all the same (``post_save`` of the day's rows)."""
    day_id = instance.pk if isinstance(instance, DoctorDay) else instance.doctor_day_id
    if kwargs.get("created") and isinstance(instance, DoctorDay):
        return
    if day_id is not None and day_id not in _locked_days.get():
        bump_versions([day_id])


def bump_versions(doctor_day_ids: Iterable[int]) -> None:
    """Mark days changed outside ``doctor_day_locked`` (new slots, an import): call it in the
    transaction of the change, or after it, never before."""
    ids = sorted(set(doctor_day_ids))
    if ids:
        DoctorDay.objects.filter(pk__in=ids).update(version=F("version") + 1)


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)", [f"{policy.lock_timeout_ms()}ms"]
            )


@contextmanager
def doctor_days_locked(
    *, doctor_id: int, days: Iterable[date], reserve_number: bool = False
) -> Iterator[dict[date, DoctorDay]]:
    """Open one transaction and lock the doctor's days in date order; yield them by date
    (``reserve_number``: see ``doctor_day_locked``)."""
    with transaction.atomic(durable=True):
        try:
            locked = {
                day: _lock_day(doctor_id, day, reserve_number=reserve_number)
                for day in sorted(set(days))
            }
        except DatabaseError as exc:
            if _is_lock_timeout(exc):
                raise LockTimeout() from exc
            raise
        with _holding(day.pk for day in locked.values()):
            yield locked
            unused = [day for day in locked.values() if day.reserved_number is not None]
            if unused:
                DoctorDay.objects.filter(pk__in=[day.pk for day in unused]).update(
                    token_counter=F("token_counter") - 1
                )
            for day in unused:
                day.token_counter -= 1
                day.reserved_number = None


@contextmanager
def patients_days_locked(
    *, days: Iterable[tuple[int, date]], patient_ids: Iterable[int]
) -> Iterator[list[Patient]]:
    """Open one transaction and lock several doctors' days, in (doctor, date) order, then the
    patient records, in id order: for a change that spans doctors, such as merging two records
    of one person. Yields the locked patients in id order."""
    with transaction.atomic(durable=True):
        _set_lock_timeout()
        try:
            held = [_lock_day(doctor_id, day).pk for doctor_id, day in sorted(set(days))]
            patients = list(
                Patient.objects.select_for_update(of=("self",))
                .filter(pk__in=sorted(set(patient_ids)))
                .order_by("pk")
            )
        except DatabaseError as exc:
            if _is_lock_timeout(exc):
                raise LockTimeout() from exc
            raise
        with _holding(held):
            yield patients


@contextmanager
def doctor_day_locked(
    *, doctor_id: int, day: date, reserve_number: bool = False
) -> Iterator[DoctorDay]:
    """Open one transaction and lock one doctor-day; every engine operation starts here.

    With ``reserve_number`` the lock also takes the day's next token number
    (``doctor_day.reserved_number``), which ``issue_token`` uses first: a booking's counter moves
    in the lock's own statement. A number the block did not use is given back before the
    transaction commits, so numbers stay gap-free; a block that raises rolls both back.
    """
    with doctor_days_locked(
        doctor_id=doctor_id, days=[day], reserve_number=reserve_number
    ) as locked:
        yield locked[day]


def _is_lock_timeout(exc: DatabaseError) -> bool:
    cause = getattr(exc, "__cause__", None)
    sqlstate = getattr(cause, "sqlstate", None)
    return (
        sqlstate == "55P03"
        or "lock timeout" in str(exc).lower()
        or "database is locked" in str(exc).lower()
    )


def assert_locked() -> None:
    """Helpers below a service call this: they must run inside the service's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("engine helpers must run inside doctor_day_locked()")
