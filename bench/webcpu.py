"""The web process's CPU per booking, in one process, without a server: a quick A/B tool.

    .venv/bin/python bench/run.py --quick        # creates the bench database
    .venv/bin/python bench/webcpu.py             # CPU and statements per booking POST
    .venv/bin/python bench/webcpu.py --profile   # and the heaviest functions (cProfile; the
                                                 # stats in bench/results/webcpu.pstats)
    .venv/bin/python bench/webcpu.py --read status        # a read instead: status, token-status,
                                                          # queue, board-rows or floor
    .venv/bin/python bench/webcpu.py --one-day            # every booking on one doctor-day: the
                                                          # CPU as a busy day fills, by hundreds

Calls the site's WSGI application (``opd_site.wsgi``, the production settings and environment
of the HTTP phases, the JSON request log written to /dev/null and the metrics to a private
``PROMETHEUS_MULTIPROC_DIR``) with booking POSTs, one after another, on a fresh set of
doctor-days, and prints the process's CPU per request and the statements each one sent. No
gunicorn (its access log line is not in these figures) and no other process's CPU: what
changes between two runs is the Django side of a booking.
"""

import argparse
import io
import itertools
import json
import os
import random
import string
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":
    # The repository, not bench/ (whose profile.py would shadow the standard library's).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import config


def _environ(path: str, body: bytes, jwt: str | None, method: str = "POST") -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if jwt:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {jwt}"
    return environ


READS = ("status", "token-status", "queue", "board-rows", "floor")


def _read_path(name: str, hospital) -> str:
    from bench import httpload

    if name == "floor":
        return httpload.floor_read_path()
    paths = httpload.Paths.discover(hospital)
    return {
        "status": paths.status,
        "token-status": paths.token_status,
        "queue": paths.queue,
        "board-rows": paths.board_rows,
    }[name]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="at most 960")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--read", choices=READS, help="GET this read instead of booking")
    parser.add_argument(
        "--one-day",
        action="store_true",
        help="book every request into one doctor-day, as a busy doctor's day fills",
    )
    args = parser.parse_args()

    from bench.server import production_env

    url = config.database_url()
    os.environ.clear()
    os.environ.update(production_env(url))
    if args.read == "floor":
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="opd-webcpu-")
    # The request log is written as in production, to a file nobody reads.
    import logging

    import django

    django.setup()
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from bench import hospital as hospital_mod
    from bench import httpload

    tag = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
    clients = 8 if not args.one_day else args.requests // hospital_mod.HTTP_USERS_PER_CLIENT + 1
    built = hospital_mod.build(workers=1, http_clients=clients, storm_requests=1, tag=tag)
    jwts = httpload.mint_access_tokens([u for users in built.http_users for u in users])
    app = get_wsgi_application()
    days = built.spread["http"]
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def book(j: int) -> str:
        users = built.http_users[j % len(built.http_users)]
        ref = days[j % len(days)]
        user = users[(j // len(days)) % len(users)]
        if args.one_day and j < args.requests:
            # The last day of the spread, which the warm-up does not touch; each patient once.
            ref = days[-1]
            user = built.http_users[j // len(users)][j % len(users)]
        body = json.dumps(httpload.booking_body(ref)).encode()
        status = []
        chunks = app(_environ("/api/v1/tokens", body, jwts[user]), lambda s, h: status.append(s))
        b"".join(chunks)
        chunks.close()
        return status[0]

    if args.read:
        read_path = _read_path(args.read, built)

        def book(j: int) -> str:
            status = []
            chunks = app(_environ(read_path, b"", None, "GET"), lambda s, h: status.append(s))
            b"".join(chunks)
            chunks.close()
            return status[0]

    # Warm up (imports, prepared statements, the URL conf) with bookings of their own: each
    # (patient, doctor-day) pair is booked once in up to 1,000 requests.
    for j in range(args.requests, args.requests + 40):
        book(j)
    statuses: dict[str, int] = {}
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    bands: list[float] = []
    with connection.execute_wrapper(count):
        for j in range(args.requests):
            if j % 100 == 0:
                bands.append(time.process_time())
            s = book(j)
            statuses[s] = statuses.get(s, 0) + 1
    bands.append(time.process_time())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if args.profile:
        profiler.disable()
    n = args.requests
    print(f"statuses {statuses}")
    print(f"web_cpu_ms_per_req {1000 * cpu / n:.2f}")
    print(f"wall_ms_per_req {1000 * wall / n:.2f}")
    print(f"statements_per_req {statements[0] / n:.2f}")
    if args.one_day:  # as the day fills: each hundred bookings' CPU
        for band, (a, b) in enumerate(itertools.pairwise(bands)):
            first, size = 100 * band, min(100, n - 100 * band)
            cpu_ms = 1000 * (b - a) / size
            print(f"web_cpu_ms_per_req day_tokens {first}-{first + size} {cpu_ms:.2f}")
    if args.profile:
        profiler.dump_stats(str(config.RESULTS / "webcpu.pstats"))
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
