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


def prepare(*, index: int, payload: dict):
    """Connect once; return a callable that books one token, and the server process id."""
    configure_django(payload["url"])
    from scheduling import policy, sql
    from scheduling.models import Slot

    names = [field.column for field in Slot._meta.concrete_fields]
    slot_id, capacity = names.index("id"), names.index("capacity")
    regular = len(names)  # n_regular follows the slot's columns
    timeout = f"{policy.lock_timeout_ms()}ms"
    # Autocommit, as Django runs: the leave check stands alone, the booking is one transaction.
    conn = psycopg.connect(libpq_url(payload["url"]), autocommit=True)
    conn.execute("SELECT 1")

    def book(ref: DayRef, patient_id: int) -> None:
        now = datetime.now(UTC)
        with conn.cursor() as cur:
            cur.execute(LEAVE, (ref.doctor_id, ref.day, ref.day), prepare=True)
            if cur.fetchone() is not None:
                raise RuntimeError("doctor on leave")
            with conn.transaction():
                cur.execute(LOCK_TIMEOUT, (timeout,), prepare=True)
                cur.execute(LOCK_DAY, (ref.doctor_id, ref.day), prepare=True)
                day_id, counter = cur.fetchone()
                cur.execute(sql.places_sql(), sql.places_params(day_id, patient_id), prepare=True)
                if cur.fetchall():
                    raise RuntimeError("already booked")
                cur.execute(sql.SEAT_COUNTS, sql.seat_count_params(day_id), prepare=True)
                seat = next(r for r in cur.fetchall() if r[regular] < r[capacity])[slot_id]
                cur.execute(
                    INSERT_BOOKING,
                    (day_id, seat, patient_id, counter + 1, reference(), now, now),
                    prepare=True,
                )
                token_id = cur.fetchone()[0]
                cur.execute(BUMP_COUNTER, (day_id,), prepare=True)
                cur.execute(INSERT_EVENT, (token_id, day_id, seat, now), prepare=True)

    return book, conn.info.backend_pid
