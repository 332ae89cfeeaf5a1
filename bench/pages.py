"""How long the desk's pages take on the demo hospital: server time per page, in process.

    .venv/bin/python bench/pages.py            # a fresh SQLite database under a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py

Builds the demo hospital with ``manage.py seed`` (today's tokens included), signs in as the demo
receptionist and the demo doctor, and requests every page a receptionist, a doctor and a patient
use (the desk's overview, each doctor's day, patients, a token, its slip, the collection, the
console, the board, the status page, the kiosk, the admin's booking form and lists), each
``--repeat`` times with ``DEBUG`` off. Prints the median and the slowest time and the queries of
each page, then ``pages_slowest_ms`` and ``pages_over_300ms``.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure() -> None:
    sys.path.insert(0, str(ROOT))
    folder = tempfile.mkdtemp(prefix="opd-pages-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/pages.sqlite3")
    os.environ["STATIC_ROOT"] = f"{folder}/static"  # collected as production serves them
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opd_site.settings")
    os.environ["DEBUG"] = "no"
    os.environ.setdefault("SECRET_KEY", "bench-pages-" + os.urandom(16).hex())
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "no")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("SMS_BACKEND", "scheduling.sms.ConsoleSMSBackend")
    import django

    django.setup()


def pages():
    """(who, label, path) for every page worth timing, from the seeded data."""
    from django.urls import reverse

    from accounts.models import Patient
    from doctors.models import Department, Doctor
    from opd_site import clock
    from scheduling.models import Token, WaitingEntry

    today = clock.today()
    token = Token.objects.filter(doctor_day__date=today).order_by("id").first()
    patient = token.patient if token else Patient.objects.order_by("id").first()
    department = Department.objects.order_by("id").first()
    found = [
        ("desk", "overview", reverse("desk:overview")),
        ("desk", "patient search", reverse("desk:patient_search") + "?q=a"),
        ("desk", "patient", reverse("desk:patient", args=[patient.pk])),
        (
            "desk",
            "issue form",
            reverse("desk:issue", args=[patient.pk])
            + f"?doctor={token.doctor_day.doctor_id if token else 1}&source=walk_in",
        ),
        ("desk", "collection", reverse("desk:collection")),
        ("desk", "admin: book a token", reverse("admin:scheduling_token_add")),
        ("desk", "admin: tokens", reverse("admin:scheduling_token_changelist")),
        ("desk", "admin: patients", reverse("admin:accounts_patient_changelist")),
    ]
    for doctor in Doctor.objects.order_by("id"):
        found.append(
            ("desk", f"day of {doctor.token_prefix}", reverse("desk:day", args=[doctor.pk]))
        )
    if token:
        found += [
            ("desk", "token", reverse("desk:token", args=[token.reference])),
            ("desk", "slip", reverse("desk:slip", args=[token.reference])),
            ("public", "status", reverse("board:status", args=[token.reference])),
        ]
    entry = WaitingEntry.objects.order_by("id").first()
    if entry:
        found.append(("desk", "waiting slip", reverse("desk:waiting_slip", args=[entry.reference])))
        found.append(
            ("public", "waiting status", reverse("board:waiting_status", args=[entry.reference]))
        )
    found += [
        ("public", "board", reverse("board:board", args=[department.code])),
        ("public", "board rows", reverse("board:board_rows", args=[department.code])),
        ("public", "kiosk", reverse("kiosk:kiosk", args=[department.code])),
        ("doctor", "console", reverse("desk:console")),
        ("doctor", "console queue", reverse("desk:console_queue")),
    ]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--limit-ms", type=float, default=300.0)
    args = parser.parse_args(argv)
    configure()

    import logging
    from datetime import datetime
    from datetime import time as day_time

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from opd_site import clock
    from queueing.management.commands.seed import RECEPTION_EMAIL

    logging.disable(logging.INFO)  # one log line per request would drown the table
    # Mid-morning, while every doctor's first session runs: the desk at its busiest.
    morning = datetime.combine(
        timezone.localdate(), day_time(10, 10), timezone.get_current_timezone()
    )
    clock.set_source(clock.FrozenClock(morning))
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed", stdout=quiet)
    receptionist = User.objects.get(email=RECEPTION_EMAIL)
    doctor_user = User.objects.filter(role="doctor").order_by("id").first()
    clients = {"desk": Client(), "doctor": Client(), "public": Client()}
    clients["desk"].force_login(receptionist)
    clients["doctor"].force_login(doctor_user)

    rows, slowest = [], 0.0
    for who, label, path in pages():
        client = clients[who]
        client.get(path)  # warm: templates compiled, caches filled
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            print(f"{label}: HTTP {response.status_code} at {path}", file=sys.stderr)
            return 1
        rows.append((label, statistics.median(times), max(times), len(queries)))
        slowest = max(slowest, max(times))

    print(f"{'page':28} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for label, median, worst, count in rows:
        print(f"{label:28} {median:10.1f} {worst:8.1f} {count:8d}")
    over = sum(1 for row in rows if row[2] > args.limit_ms)
    print(f"pages_count {len(rows)}")
    print(f"pages_slowest_ms {slowest:.1f}")
    print(f"pages_over_{int(args.limit_ms)}ms {over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
