"""The Django floor: the policy floor's statements, sent through Django's own connection.

Statement for statement what ``bench/sqlpolicy.py`` sends, but as an engine written in Django
sends them: ``transaction.atomic(durable=True)`` and ``django.db.connection.cursor()``, with the
project's database settings (persistent connection, server-side binding, prepared statements).
No ORM, no models, no policy Python: the least any engine built on Django pays per booking for
the allocation policy's statements, so it bounds the engine ratio from above for every engine
on the fixed stack, one written in hand-made SQL included.
"""

from datetime import UTC, datetime

from bench.config import configure_django
from bench.hospital import DayRef
from bench.sqlbase import BUMP_COUNTER, INSERT_BOOKING, INSERT_EVENT, LOCK_DAY, reference
from bench.sqlpolicy import LEAVE, LOCK_TIMEOUT


def prepare(*, index: int, payload: dict):
    """Connect once; return a callable that books one token, and the server process id."""
    configure_django(payload["url"])
    from django.db import connection, transaction

    from scheduling import policy, sql
    from scheduling.models import Slot

    names = [field.column for field in Slot._meta.concrete_fields]
    slot_id, capacity = names.index("id"), names.index("capacity")
    regular = len(names)  # n_regular follows the slot's columns
    timeout = f"{policy.lock_timeout_ms()}ms"
    connection.ensure_connection()

    def book(ref: DayRef, patient_id: int) -> None:
        now = datetime.now(UTC)
        with connection.cursor() as cur:
            cur.execute(LEAVE, (ref.doctor_id, ref.day, ref.day))
            if cur.fetchone() is not None:
                raise RuntimeError("doctor on leave")
        with transaction.atomic(durable=True), connection.cursor() as cur:
            cur.execute(LOCK_TIMEOUT, (timeout,))
            cur.execute(LOCK_DAY, (ref.doctor_id, ref.day))
            day_id, counter = cur.fetchone()
            cur.execute(sql.places_sql(), sql.places_params(day_id, patient_id))
            if cur.fetchall():
                raise RuntimeError("already booked")
            cur.execute(sql.SEAT_COUNTS, sql.seat_count_params(day_id))
            seat = next(r for r in cur.fetchall() if r[regular] < r[capacity])[slot_id]
            cur.execute(
                INSERT_BOOKING, (day_id, seat, patient_id, counter + 1, reference(), now, now)
            )
            token_id = cur.fetchone()[0]
            cur.execute(BUMP_COUNTER, (day_id,))
            cur.execute(INSERT_EVENT, (token_id, day_id, seat, now))

    return book, connection.connection.info.backend_pid
