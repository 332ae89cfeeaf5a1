"""The Django floor: the policy floor's statements, sent through Django's own connection.

Statement for statement what ``bench/sqlpolicy.py`` sends, but as an engine written in Django
sends them: ``transaction.atomic(durable=True)`` and ``django.db.connection.cursor()``, with the
project's database settings (persistent connection, server-side binding, prepared statements).
No ORM, no models, no policy Python: the least any engine built on Django pays per booking for
the allocation policy's statements, so it bounds the engine ratio from above for every engine
on the fixed stack, one written in hand-made SQL included.
"""

from bench.hospital import DayRef
from bench.sqlpolicy import book_in_transaction, check_leave, start_django


def prepare(*, index: int, payload: dict):
    """Connect once; return a callable that books one token, and the server process id."""
    layout = start_django(payload)
    from django.db import connection, transaction

    connection.ensure_connection()

    def book(ref: DayRef, patient_id: int) -> None:
        with connection.cursor() as cur:
            check_leave(cur, ref)
        with transaction.atomic(durable=True), connection.cursor() as cur:
            book_in_transaction(cur, ref, patient_id, layout)

    return book, connection.connection.info.backend_pid
