"""The policy floor: the engine's own statements for one booking, in raw psycopg 3.

What ``request_token`` sends for a direct seat, statement for statement, with no ORM: the leave
check; then, in one transaction, the lock timeout, the doctor-day lock, the check for a place
the patient already holds, the seat count of every slot, the counter, the token and its event.
The two reads in the middle are the engine's own text (``scheduling/sql.py``); the rest is the
SQL baseline's. The slot is the first with a free regular seat. Everything else the engine
does (the ORM, Python models, bumping, waiting lists, metrics) is left out: this is the least
any implementation of the allocation policy on these tables costs, so it bounds the engine
ratio from above for any engine, hand-written SQL included.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from bench.config import configure_django, libpq_url
from bench.hospital import DayRef
from bench.sqlbase import BUMP_COUNTER, INSERT_BOOKING, INSERT_EVENT, LOCK_DAY, reference

LEAVE = """
SELECT 1 FROM doctors_doctorleave
WHERE doctor_id = %s AND start_date <= %s AND end_date >= %s LIMIT 1
"""
LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %s, true)"


@dataclass(frozen=True)
class Layout:
    """Where the seat count's row keeps the slot id, its capacity and its regular seats taken,
    and the lock timeout the engine sets."""

    slot_id: int
    capacity: int
    regular: int
    lock_timeout: str


def start_django(payload: dict) -> Layout:
    configure_django(payload["url"])
    from scheduling import policy
    from scheduling.models import Slot

    names = [field.column for field in Slot._meta.concrete_fields]
    # n_regular follows the slot's columns.
    return Layout(
        names.index("id"), names.index("capacity"), len(names), f"{policy.lock_timeout_ms()}ms"
    )


def check_leave(cur, ref: DayRef, **options) -> None:
    """The leave check, outside the booking's transaction as the engine runs it."""
    cur.execute(LEAVE, (ref.doctor_id, ref.day, ref.day), **options)
    if cur.fetchone() is not None:
        raise RuntimeError("doctor on leave")


def book_in_transaction(cur, ref: DayRef, patient_id: int, layout: Layout, **options) -> None:
    """The booking's statements; the caller has opened the transaction."""
    from scheduling import sql

    now = datetime.now(UTC)
    cur.execute(LOCK_TIMEOUT, (layout.lock_timeout,), **options)
    cur.execute(LOCK_DAY, (ref.doctor_id, ref.day), **options)
    day_id, counter = cur.fetchone()
    cur.execute(sql.places_sql(), sql.places_params(day_id, patient_id), **options)
    if cur.fetchall():
        raise RuntimeError("already booked")
    cur.execute(sql.SEAT_COUNTS, sql.seat_count_params(day_id), **options)
    rows = cur.fetchall()
    seat = next(r for r in rows if r[layout.regular] < r[layout.capacity])[layout.slot_id]
    cur.execute(
        INSERT_BOOKING, (day_id, seat, patient_id, counter + 1, reference(), now, now), **options
    )
    token_id = cur.fetchone()[0]
    cur.execute(BUMP_COUNTER, (day_id,), **options)
    cur.execute(INSERT_EVENT, (token_id, day_id, seat, now), **options)


def prepare(*, index: int, payload: dict):
    """Connect once; return a callable that books one token, and the server process id."""
    layout = start_django(payload)
    # Autocommit, as Django runs: the leave check stands alone, the booking is one transaction.
    conn = psycopg.connect(libpq_url(payload["url"]), autocommit=True)
    conn.execute("SELECT 1")

    def book(ref: DayRef, patient_id: int) -> None:
        with conn.cursor() as cur:
            check_leave(cur, ref, prepare=True)
            with conn.transaction():
                book_in_transaction(cur, ref, patient_id, layout, prepare=True)

    return book, conn.info.backend_pid
