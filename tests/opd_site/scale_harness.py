"""What the scale-out tests drive: production-like gunicorn pairs, shared Redis, real PgBouncer.

Two instances of the project's gunicorn (its own ``gunicorn.conf.py``) run with ``DEBUG`` off, a
secret key, the real password hasher and one Redis cache, against one private PostgreSQL
database (``<suite database>_scale``), directly or through a PgBouncer in transaction pooling
mode that the test starts itself. Clients reach them as nginx would hand requests over:
``X-Forwarded-Proto: https`` and the client's address appended to ``X-Forwarded-For``.
"""

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
import requests

from tests.opd_site.fault_harness import FaultDatabase, Gunicorn, free_port

PASSWORD = "Scale-out-desk-password-42"
SECRET_KEY = secrets.token_urlsafe(50)
REDIS_URL = os.environ.get("OPD_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def scale_database(suite_url: str) -> FaultDatabase:
    """``<suite database>_scale`` on the suite's PostgreSQL server (created, migrated, dropped)."""
    config = dj_database_url.parse(suite_url)
    name = f"{config['NAME']}_scale"
    return FaultDatabase(
        url=suite_url.rsplit("/", 1)[0] + f"/{name}",
        name=name,
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 5432),
    )


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings: DEBUG off, no test mode, a secret, behind one proxy, shared Redis."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "THROTTLE_"))
        and k not in ("OPD_TESTING", "DEBUG", "PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="opd_site.settings",
        DATABASE_URL=database_url,
        DEBUG="no",
        OPD_TESTING="no",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TRUSTED_PROXIES="1",
        CACHE_URL=REDIS_URL,
        # The production rates (the same as the defaults, written out because they are tested).
        THROTTLE_LOGIN="20/min",
        THROTTLE_REGISTER="10/min",
        THROTTLE_TOKENS="60/min",
        # Deliberately the console backends: nothing is delivered from a test.
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        SMS_BACKEND="scheduling.sms.ConsoleSMSBackend",
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        GUNICORN_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flush_cache() -> None:
    """Empty the tests' own Redis database (``OPD_TEST_REDIS_URL``): no counts from a rerun."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise AssertionError(
            f"Redis does not answer at {REDIS_URL} (apt-get install redis-server; or set "
            f"OPD_TEST_REDIS_URL): {exc}"
        ) from exc
    client.flushdb()
    client.close()


# The hospital, built with the one hospital builder: a few doctors with a few small slots
# tomorrow (so every request competes for the same seats), desk accounts, patients without
# accounts (the desk books for them).
SEED = """
from datetime import time, timedelta
from accounts.models import Role
from opd_site import clock
from scheduling import hospital as h

tag = ARGS["tag"]
day = clock.today() + timedelta(days=1)
h.add_departments(plans=[h.DepartmentPlan(code="SCALE", name="Scale-out clinic")])
doctors = h.add_doctors(plans=[
    h.DoctorPlan(
        name=f"Doctor {tag} {n}",
        email=f"{tag.lower()}-doctor{n}@opd.example",
        department="SCALE",
        token_prefix=f"{tag}{n}",
        license_number=f"SCALE-{tag}-{n}",
    )
    for n in range(ARGS["doctors"])
])
slots = tuple(
    h.SlotPlan(start=time(9 + i), end=time(10 + i), capacity=ARGS["capacity"], emergency_reserve=1)
    for i in range(ARGS["slots"])
)
days = h.open_days(plans=[h.DayPlan(doctor=d, on=day, slots=slots) for d in doctors])
desks = h.add_accounts(plans=[
    h.AccountPlan(
        email=f"{tag.lower()}-desk{n}@opd.example",
        name=f"Desk {n}",
        role=Role.RECEPTIONIST,
        password=ARGS["password"],
    )
    for n in range(ARGS["desks"])
])
patients = h.add_patients(plans=[
    h.PatientPlan(name=f"Patient {tag} {n}") for n in range(ARGS["patients"])
])
print(json.dumps({
    "date": day.isoformat(),
    "doctors": [d.id for d in doctors],
    "days": [o.doctor_day.id for o in days],
    "slots": {str(o.doctor.id): [s.id for s in o.slots] for o in days},
    "desks": [a.email for a in desks],
    "patients": [p.id for p in patients],
}))
"""

INVARIANTS = """
from scheduling.invariants import check_invariants
from scheduling.models import DoctorDay

print(json.dumps(check_invariants(DoctorDay.objects.filter(id__in=ARGS["days"]))))
"""


# --- PgBouncer ----------------------------------------------------------------------------------


class PgBouncer:
    """Debian's pgbouncer in transaction pooling mode on a free loopback port, from a temp dir.

    PgBouncer refuses to run as root: as root it is started with ``-u postgres``.
    """

    def __init__(self, *, upstream_host: str, upstream_port: int, user: str, pool_size: int):
        self.binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.access(self.binary, os.X_OK):
            raise AssertionError("pgbouncer is not installed (apt-get install -y pgbouncer)")
        self.port = free_port()
        self.pool_size = pool_size
        self.folder = Path(tempfile.mkdtemp(prefix="opd-pgbouncer-"))
        self.log_path = self.folder / "pgbouncer.log"
        (self.folder / "userlist.txt").write_text(f'"{user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={upstream_host} port={upstream_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.folder / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 200\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.log_path}\n"
            f"pidfile = {self.folder / 'pgbouncer.pid'}\n"
            f"admin_users = {user}\n"
            f"stats_users = {user}\n"
        )
        self.command = [self.binary]
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.folder, *self.folder.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.command += ["-u", "postgres"]
        self.command.append(str(self.folder / "pgbouncer.ini"))
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15) -> "PgBouncer":
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return self
            time.sleep(0.1)
        log = self.log_tail()
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen on {self.port}:\n{log}")

    def show(self, what: str, user: str) -> list[tuple]:
        """``SHOW <what>`` on PgBouncer's admin console."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=user, dbname="pgbouncer", autocommit=True
        ) as admin:
            cursor = admin.cursor()
            cursor.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def log_tail(self, lines: int = 30) -> str:
        with suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the pair of instances ----------------------------------------------------------------------


class Pair:
    """Two gunicorn instances of the site with the same settings, each with its own workers."""

    def __init__(self, *, database_url: str, workers: int = 2, **env: str):
        environment = production_env(database_url, **env)
        self.instances = [
            Gunicorn(database_url=database_url, workers=workers, **environment) for _ in range(2)
        ]

    def __enter__(self) -> "Pair":
        for instance in self.instances:
            instance.start(timeout=60)
        return self

    def __exit__(self, *exc) -> None:
        for instance in self.instances:
            instance.stop()

    @property
    def bases(self) -> list[str]:
        return [instance.base for instance in self.instances]

    def logs(self) -> str:
        return "\n".join(instance.log_tail() for instance in self.instances)


def behind_proxy(address: str, **headers: str) -> dict[str, str]:
    """The headers nginx adds: TLS was terminated in front, and the client's address."""
    return {"X-Forwarded-Proto": "https", "X-Forwarded-For": address, **headers}


def login(base: str, email: str, address: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers=behind_proxy(address),
        timeout=30,
    )
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return response.json()["access"]


@dataclass
class Booking:
    """One desk booking as the client saw it."""

    base: str
    desk: int
    patient: int
    doctor: int
    slot: int | None
    status: int | None = None
    body: dict = field(default_factory=dict)
    error: str = ""


def book(booking: Booking, *, access: str, address: str, date: str) -> Booking:
    payload = {"doctor": booking.doctor, "date": date, "source": "online"}
    payload |= {"patient": booking.patient}
    if booking.slot is not None:
        payload["slot"] = booking.slot
    try:
        response = requests.post(
            f"{booking.base}/api/v1/tokens",
            json=payload,
            headers=behind_proxy(
                address, Authorization=f"Bearer {access}", **{"Idempotency-Key": str(uuid.uuid4())}
            ),
            timeout=30,
        )
    except requests.RequestException as exc:
        booking.error = type(exc).__name__
        return booking
    booking.status = response.status_code
    try:
        booking.body = response.json()
    except ValueError:
        booking.body = {"unparsed": response.text[:300]}
    return booking


@dataclass
class StormResult:
    bookings: list[Booking]
    seconds: float

    @property
    def statuses(self) -> Counter:
        return Counter(b.status if b.status is not None else b.error for b in self.bookings)

    def per_instance(self) -> Counter:
        return Counter(b.base for b in self.bookings if b.status is not None)


def sign_in_desks(pair: Pair, seeded: dict) -> list[str]:
    """Each desk signs in once, on either instance: one JWT serves both."""
    desks = seeded["desks"]
    with ThreadPoolExecutor(len(desks)) as pool:
        return list(
            pool.map(
                lambda n: login(pair.bases[n % 2], desks[n], desk_address(n)), range(len(desks))
            )
        )


def desk_address(desk: int) -> str:
    return f"198.51.100.{desk + 1}"


def storm(pair: Pair, seeded: dict, access: list[str], *, threads: int = 16) -> StormResult:
    """Every patient once, desks taking turns, both instances alternately, slots contended.

    A quarter of the requests ask for no slot (the earliest with a seat), the rest for one of
    the doctor's slots.
    """
    desks = seeded["desks"]
    bases = pair.bases
    doctors = seeded["doctors"]
    jobs = []
    for n, patient in enumerate(seeded["patients"]):
        doctor = doctors[n % len(doctors)]
        slots = seeded["slots"][str(doctor)]
        choice = n % (len(slots) + 1)
        jobs.append(
            Booking(
                # Each desk's requests alternate between the instances too.
                base=bases[(n + n // len(desks)) % 2],
                desk=n % len(desks),
                patient=patient,
                doctor=doctor,
                slot=slots[choice - 1] if choice else None,
            )
        )
    start = threading.Barrier(threads)

    def run(chunk: list[Booking]) -> None:
        start.wait()
        for job in chunk:
            book(job, access=access[job.desk], address=desk_address(job.desk), date=seeded["date"])

    chunks = [jobs[n::threads] for n in range(threads)]
    began = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, chunks))
    return StormResult(bookings=jobs, seconds=time.monotonic() - began)


def day_state(database_url: str, seeded: dict) -> dict:
    """What is stored, read straight from PostgreSQL."""
    from scheduling.models import ACTIVE_STATUSES

    active = [str(status) for status in ACTIVE_STATUSES]
    days = seeded["days"]
    with psycopg.connect(database_url, autocommit=True) as db:
        overbooked = db.execute(
            """
            SELECT s.id, s.capacity, count(t.id)
            FROM scheduling_slot s
            JOIN scheduling_token t ON t.slot_id = s.id
              AND t.status = ANY(%s)
            WHERE s.doctor_day_id = ANY(%s)
            GROUP BY s.id, s.capacity HAVING count(t.id) > s.capacity
            """,
            [active, days],
        ).fetchall()
        doubled_patient = db.execute(
            """
            SELECT doctor_day_id, patient_id, count(*) FROM scheduling_token
            WHERE doctor_day_id = ANY(%s)
              AND status = ANY(%s)
            GROUP BY doctor_day_id, patient_id HAVING count(*) > 1
            """,
            [days, active],
        ).fetchall()
        doubled_number = db.execute(
            """
            SELECT doctor_day_id, number, count(*) FROM scheduling_token
            WHERE doctor_day_id = ANY(%s)
            GROUP BY doctor_day_id, number HAVING count(*) > 1
            """,
            [days],
        ).fetchall()
        tokens = db.execute(
            "SELECT id, patient_id, slot_id FROM scheduling_token WHERE doctor_day_id = ANY(%s)",
            [days],
        ).fetchall()
        waiting = db.execute(
            "SELECT id, patient_id FROM queueing_waitingentry "
            "WHERE doctor_day_id = ANY(%s) AND status = 'waiting'",
            [days],
        ).fetchall()
        seats = db.execute(
            "SELECT coalesce(sum(capacity), 0) FROM scheduling_slot WHERE doctor_day_id = ANY(%s)",
            [days],
        ).fetchone()[0]
    return {
        "overbooked": overbooked,
        "doubled_patient": doubled_patient,
        "doubled_number": doubled_number,
        "tokens": tokens,
        "waiting": waiting,
        "seats": int(seats),
    }


def throttle_burst(pair: Pair, *, address: str, requests_count: int, threads: int = 8) -> Counter:
    """Sign-up attempts from one client address, alternately on each instance, all at once.

    The bodies are empty (400): a throttle counts a request before the view reads its body.
    """
    bases = pair.bases
    start = threading.Barrier(threads)

    def attempt(n: int) -> int:
        response = requests.post(
            f"{bases[n % 2]}/api/v1/auth/register",
            json={},
            headers=behind_proxy(address),
            timeout=30,
        )
        return response.status_code

    def run(chunk: list[int]) -> list[int]:
        start.wait()
        return [attempt(n) for n in chunk]

    chunks = [list(range(requests_count))[n::threads] for n in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        return Counter(status for answers in pool.map(run, chunks) for status in answers)


# --- CPU accounting -----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (``/proc/<pid>/stat``)."""
    with suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return 0.0


class CpuMeter:
    """CPU seconds of the web workers and of the database's backends over a stretch of load.

    Web: every gunicorn worker of the pair. Database: every PostgreSQL backend serving the
    database (``pg_stat_activity``), including ones that connect during the load. Both are read
    from ``/proc``, so the test must run on the database's host.
    """

    def __init__(self, pair: Pair, *, admin_url: str, database: str):
        self.pair = pair
        self.admin_url = admin_url
        self.database = database

    def _backends(self) -> list[int]:
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            rows = db.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            ).fetchall()
        return [row[0] for row in rows]

    def _sample(self) -> dict[str, dict[int, float]]:
        workers = [pid for g in self.pair.instances for pid in g.worker_pids()]
        return {
            "web": {pid: cpu_seconds(pid) for pid in workers},
            "database": {pid: cpu_seconds(pid) for pid in self._backends()},
        }

    def __enter__(self) -> "CpuMeter":
        self.before = self._sample()
        self.began = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.monotonic() - self.began
        after = self._sample()
        self.used = {
            kind: sum(max(0.0, cpu - self.before[kind].get(pid, 0.0)) for pid, cpu in pids.items())
            for kind, pids in after.items()
        }

    def report(self, what: str, requests_count: int) -> str:
        web, database = (max(self.used[kind], 1e-9) for kind in ("web", "database"))
        return (
            f"{what}: {requests_count} requests in {self.seconds:.1f}s "
            f"({requests_count / self.seconds:.0f}/s); CPU per request: web "
            f"{1000 * web / requests_count:.1f} ms, database {1000 * database / requests_count:.1f}"
            f" ms; one core serves {requests_count / web:.0f}/s of web work, "
            f"{requests_count / database:.0f}/s of database work"
        )
