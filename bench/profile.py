"""Where the time goes: py-spy samples of the engine and of the gunicorn workers under load.

    .venv/bin/python bench/profile.py     # needs the bench database of a previous run

py-spy comes with ``requirements-dev.txt`` (``make venv``).

Writes collapsed stacks to ``bench/results/profile-*.txt`` (open them in speedscope.app or
flamegraph.pl) and prints, for each, the share of samples spent in each layer and the heaviest
frames of the project and of the libraries it calls. Samples include time spent waiting
(``--idle``), so "waiting on PostgreSQL" is the share of wall time in database round trips.
"""

import argparse
import asyncio
import os
import random
import re
import shutil
import string
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import config

LAYERS = (
    (
        "waiting on PostgreSQL",
        ("psycopg/connection.py", "psycopg/cursor.py", "psycopg/_connection_base.py"),
    ),
    ("request log (JSON)", ("opd_site/logging.py", "logging/")),
    ("access log", ("gunicorn/glogging.py",)),
    ("prometheus metrics", ("prometheus_client/",)),
    ("throttles (cache)", ("rest_framework/throttling.py", "django/core/cache/")),
    ("allocation engine", ("scheduling/", "queueing/", "doctors/", "accounts/")),
    ("JWT authentication", ("rest_framework_simplejwt/",)),
    ("DRF serializers", ("rest_framework/serializers.py", "rest_framework/fields.py")),
    ("DRF parsing, rendering, view", ("rest_framework/",)),
    ("Django ORM: query compilation", ("django/db/models/sql/",)),
    ("Django ORM: models, querysets", ("django/db/models/",)),
    ("Django database layer", ("django/db/",)),
    ("translation, formats", ("django/utils/translation/", "django/utils/formats.py")),
    (
        "Django request cycle",
        ("django/core/handlers/", "django/middleware/", "opd_site/middleware.py", "django/"),
    ),
    ("gunicorn", ("gunicorn/",)),
)
INTERESTING = (
    "scheduling/",
    "queueing/",
    "accounts/",
    "doctors/",
    "opd_site/",
    "rest_framework",
    "django/db/models/query.py",
    "django/db/models/sql/compiler.py",
    "django/db/backends/utils.py",
    "django/db/transaction.py",
    "psycopg/",
)


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is not installed: make venv (requirements-dev.txt)")
    return found


# Wall time by default (idle samples included: waiting on PostgreSQL shows); ``--cpu`` clears it.
SAMPLING = ["--idle"]

LINE_NUMBER = re.compile(r":\d+\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    """Collapsed stacks, each frame reduced to ``function (file)`` (line numbers dropped)."""
    stacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append(([LINE_NUMBER.sub(")", f) for f in frames.split(";")], int(count)))
    return stacks


def summarize(path: Path, title: str, *, within: str, top: int = 25) -> str:
    """Share of samples per layer (first match from the leaf up) and heaviest frames.

    Only samples with a frame matching ``within`` count (a request being handled, a booking
    being made), so idle workers and the gunicorn master do not dilute the shares.
    """
    stacks = [(f, n) for f, n in parse(path) if any(within in frame for frame in f)]
    total = sum(count for _, count in stacks) or 1
    layers: Counter = Counter()
    inclusive: Counter = Counter()
    for frames, count in stacks:
        leaf_layer = "other Python"
        for frame in reversed(frames):
            matched = next((name for name, marks in LAYERS if any(m in frame for m in marks)), None)
            if matched:
                leaf_layer = matched
                break
        layers[leaf_layer] += count
        for frame in set(frames):
            if any(mark in frame for mark in INTERESTING):
                inclusive[frame] += count
    lines = [f"== {title}: {total} samples inside {within} ({path.name}) =="]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in layers.most_common()]
    lines.append("  heaviest frames (inclusive):")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def engine_target(seconds: float) -> None:
    """One process booking back to back over fresh doctor-days (the profiled program)."""
    config.configure_django(config.database_url())
    from accounts.models import Patient
    from doctors.models import Doctor
    from scheduling.models import DoctorDay, Token
    from scheduling.services.requests import request_token

    used = Token.objects.values("doctor_day_id")
    days = list(DoctorDay.objects.exclude(pk__in=used).filter(slots__capacity__gte=1000).distinct())
    doctors = Doctor.objects.select_related("user").in_bulk({d.doctor_id for d in days})
    patients = Patient.objects.bulk_create(
        [Patient(name=f"Profile patient {i}") for i in range(3000)]
    )
    deadline, j = time.time() + seconds, 0
    while time.time() < deadline:
        day = days[j % len(days)]
        patient = patients[(j // len(days)) % len(patients)]
        request_token(doctor=doctors[day.doctor_id], day=day.date, source="online", patient=patient)
        j += 1
    print(f"engine target: {j} bookings in {seconds:.0f}s", flush=True)


def profile_engine(seconds: float) -> Path:
    out = config.RESULTS / "profile-engine.txt"
    subprocess.run(  # noqa: S603 - py-spy on our own interpreter
        [
            py_spy(),
            "record",
            *SAMPLING,
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(out),
            "--",
            sys.executable,
            __file__,
            "--target",
            "engine",
            "--seconds",
            str(seconds),
        ],
        check=True,
    )
    return out


def profile_http(seconds: float) -> Path:
    """py-spy on every gunicorn worker while the booking load of ``run.py`` runs."""
    from bench import hospital as hospital_mod
    from bench import httpload
    from bench.server import Gunicorn, collectstatic

    url = config.database_url()
    config.configure_django(url)
    from scheduling.models import Token

    plan = config.Plan.make(quick=False, workers=None, http_clients=None)
    plan = config.Plan(**{**plan.__dict__, "http_seconds": seconds})
    tag = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
    fresh = hospital_mod.build(workers=1, http_clients=plan.http_clients, storm_requests=1, tag=tag)
    assert not Token.objects.filter(doctor_day_id=fresh.spread["http"][0].doctor_day_id).exists()
    paths = httpload.Paths.discover(fresh)
    jwts = httpload.mint_access_tokens([u for users in fresh.http_users for u in users])
    collectstatic(url)
    out = config.RESULTS / "profile-http.txt"
    with Gunicorn(url) as server:
        asyncio.run(httpload._warm_up(server.port, paths.slots or "/healthz"))
        spy = subprocess.Popen(  # noqa: S603
            [
                py_spy(),
                "record",
                *SAMPLING,
                "--subprocesses",
                "-r",
                "100",
                "-f",
                "raw",
                "-o",
                str(out),
                "--pid",
                str(server.proc.pid),
                "--duration",
                str(int(seconds)),
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        m = httpload.book_under_load(
            port=server.port, plan=plan, hospital=fresh, paths=paths, jwts=jwts
        )
        print(m.line(), flush=True)
        spy.wait(seconds + 60)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--target", choices=["engine"], help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["engine", "http"])
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="sample only running threads (CPU time) instead of wall time (--idle)",
    )
    args = parser.parse_args()
    if args.target == "engine":
        engine_target(args.seconds)
        return 0
    config.RESULTS.mkdir(parents=True, exist_ok=True)
    if args.cpu:
        SAMPLING.clear()
    reports = []
    if args.only in (None, "engine"):
        reports.append(
            summarize(
                profile_engine(args.seconds),
                "engine, one process, request_token",
                within="request_token (scheduling/services/requests.py)",
            )
        )
    if args.only in (None, "http"):
        reports.append(
            summarize(
                profile_http(args.seconds),
                "gunicorn workers, booking POST" + (" (CPU)" if args.cpu else " (wall)"),
                # gunicorn's handling of one request: Django's and the access log's share.
                within="handle_request (",
            )
        )
    text = "\n\n".join(reports)
    print(text)
    (config.RESULTS / "profile-summary.txt").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
