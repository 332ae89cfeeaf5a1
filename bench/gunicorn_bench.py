"""gunicorn's configuration in the HTTP phases: the repository's ``gunicorn.conf.py``, unchanged,
plus a statement count for the requests that ask for one.

Every setting and server hook of ``gunicorn.conf.py`` is read from that file as production reads
it (workers, worker class, the access log and its format, the metrics directory and its
hooks). Added here, and only here: a request carrying the ``X-Bench-Count-Statements`` header
has its SQL statements counted the way ``CaptureQueriesContext`` counts them (``BEGIN`` and
``COMMIT`` included), and one line ``{"method", "path", "status", "statements", "sql"}`` (the
count and the start of each statement) appended to the file ``BENCH_STATEMENTS_FILE`` names.
Requests without the header (all those that are timed) run exactly as in production.
"""

import json
import os
from pathlib import Path

_PRODUCTION = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
exec(compile(_PRODUCTION.read_text(encoding="utf-8"), str(_PRODUCTION), "exec"))  # noqa: S102

COUNT_HEADER = "X-BENCH-COUNT-STATEMENTS"


def _counted(req) -> bool:
    return any(name == COUNT_HEADER for name, _ in req.headers)


def pre_request(worker, req):
    worker.log.debug("%s %s", req.method, req.path)
    if _counted(req):
        from django.db import connection

        connection.queries_log.clear()
        connection.force_debug_cursor = True


def post_request(worker, req, environ, resp):
    if not _counted(req):
        return
    from django.db import connection

    connection.force_debug_cursor = False
    line = {
        "method": req.method,
        "path": req.path,
        "status": resp.status_code,
        "statements": len(connection.queries_log),
        "sql": [query["sql"][:120] for query in connection.queries_log],
    }
    connection.queries_log.clear()
    with open(os.environ["BENCH_STATEMENTS_FILE"], "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
