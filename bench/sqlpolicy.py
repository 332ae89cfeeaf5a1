"""The policy floor: the engine's own statements for one booking, in raw psycopg 3.

What ``request_token`` sends for a direct seat, statement for statement, with no ORM: the leave
check; then, in one transaction, the lock timeout, the doctor-day lock, the day's read (its
slots with their active tokens, and the place the patient already holds), the counter, the
token and its event. The day's read is the engine's own text (``scheduling/sql.py``); the rest
is the SQL baseline's. The slot is the first with a free seat. Everything else the engine
does (the ORM, Python models, bumping, waiting lists, metrics) is left out: this is the least
any implementation of the allocation policy on these tables costs, so it bounds the engine
ratio from above for any engine, hand-written SQL included.
"""

from collections import Counter
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
    """Where the day's read keeps the slot id, its capacity, the token's id and patient, and the
    lock timeout the engine sets."""

    slot_id: int
    capacity: int
    token_id: int
    token_patient: int
    lock_timeout: str


def start_django(payload: dict) -> Layout:
    configure_django(payload["url"])
    from scheduling import policy
    from scheduling.models import Slot, Token

    names = [field.column for field in Slot._meta.concrete_fields]
    # The token's columns follow the slot's.
    tokens = [len(names) + n for n, field in enumerate(Token._meta.concrete_fields)]
    token_columns = [field.column for field in Token._meta.concrete_fields]
    return Layout(
        names.index("id"),
        names.index("capacity"),
        tokens[token_columns.index("id")],
        tokens[token_columns.index("patient_id")],
        f"{policy.lock_timeout_ms()}ms",
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
    cur.execute(sql.booking_day_sql(), sql.day_params(day_id, patient_id), **options)
    rows = cur.fetchall()
    if (rows and rows[0][-1] is not None) or any(
        r[layout.token_patient] == patient_id for r in rows
    ):
        raise RuntimeError("already booked")
    taken = Counter(r[layout.slot_id] for r in rows if r[layout.token_id] is not None)
    seat = next(r for r in rows if taken[r[layout.slot_id]] < r[layout.capacity])[layout.slot_id]
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
