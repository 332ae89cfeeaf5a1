"""The limit: the bare allocation transaction in raw psycopg 3, on the engine's own tables.

BEGIN; lock the doctor-day row; insert the token with the next number; bump the counter;
insert its event; COMMIT. No ORM, no seat counting, prepared statements: what PostgreSQL on
this machine can do for one booking, the figure the engine and the API are compared against.
"""

import secrets
from datetime import UTC, datetime

import psycopg

from bench.config import libpq_url
from bench.hospital import DayRef

REFERENCE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

LOCK_DAY = """
SELECT id, token_counter FROM scheduling_doctorday
WHERE doctor_id = %s AND date = %s FOR UPDATE
"""
INSERT_BOOKING = """
INSERT INTO scheduling_token (
    doctor_day_id, slot_id, patient_id, number, reference, source, priority, status, reason,
    fee, bump_count, is_overflow, requested_at, booked_at, cancelled_by, cancellation_reason,
    payment_state, fee_waiver_reason
) VALUES (%s, %s, %s, %s, %s, 'online', 50, 'booked', '', 0, 0, false, %s, %s, '', '', 'unpaid', '')
RETURNING id
"""
BUMP_COUNTER = "UPDATE scheduling_doctorday SET token_counter = token_counter + 1 WHERE id = %s"
INSERT_EVENT = """
INSERT INTO scheduling_tokenevent (token_id, doctor_day_id, kind, to_slot_id, reason, at)
VALUES (%s, %s, 'booked', %s, '', %s)
"""


def reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))


def allocate(conn: psycopg.Connection, ref: DayRef, patient_id: int) -> int:
    """One booking in one transaction; the token number it got."""
    now = datetime.now(UTC)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(LOCK_DAY, (ref.doctor_id, ref.day), prepare=True)
        day_id, counter = cur.fetchone()
        number = counter + 1
        cur.execute(
            INSERT_BOOKING,
            (day_id, ref.first_slot_id, patient_id, number, reference(), now, now),
            prepare=True,
        )
        token_id = cur.fetchone()[0]
        cur.execute(BUMP_COUNTER, (day_id,), prepare=True)
        cur.execute(INSERT_EVENT, (token_id, day_id, ref.first_slot_id, now), prepare=True)
    return number


def prepare(*, index: int, payload: dict):
    """Connect once; return a callable that books one token, and the server process id."""
    conn = psycopg.connect(libpq_url(payload["url"]), autocommit=False)
    conn.execute("SELECT 1")
    conn.rollback()

    def book(ref: DayRef, patient_id: int) -> None:
        allocate(conn, ref, patient_id)

    return book, conn.info.backend_pid
