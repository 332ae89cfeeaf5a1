"""What the fault tests drive: a private PostgreSQL database, a real gunicorn, a cuttable proxy.

Everything here runs in separate processes or threads and touches the database under test only
through ``manage.py`` subprocesses and HTTP, exactly as production does: the test process's own
(pytest-django) database is never involved.
"""

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "test-password-123"  # tests.factories.PASSWORD, hashed by the server's own hasher
METRICS_TOKEN = "fault-tests-metrics-token"  # what the fault tests scrape /metrics with


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the private database ---------------------------------------------------------------------


@dataclass
class FaultDatabase:
    """``<suite database>_faults`` on the suite's PostgreSQL server: created, migrated, dropped."""

    url: str
    name: str
    host: str
    port: int

    @classmethod
    def beside(cls, suite_url: str) -> "FaultDatabase":
        config = dj_database_url.parse(suite_url)
        name = f"{config['NAME']}_faults"
        url = suite_url.rsplit("/", 1)[0] + f"/{name}"
        return cls(
            url=url, name=name, host=config["HOST"] or "127.0.0.1", port=int(config["PORT"] or 5432)
        )

    def _admin(self) -> psycopg.Connection:
        config = dj_database_url.parse(self.url)
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=config["USER"] or "postgres",
            password=config["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )

    def create(self) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')
        manage("migrate", "--noinput", database_url=self.url, timeout=120)

    def drop(self) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def url_through(self, port: int) -> str:
        """The same database reached through a proxy listening on ``port``."""
        config = dj_database_url.parse(self.url)
        auth = config["USER"] or "postgres"
        if config["PASSWORD"]:
            auth += f":{config['PASSWORD']}"
        return f"postgres://{auth}@127.0.0.1:{port}/{self.name}"


def server_env(database_url: str, **extra) -> dict[str, str]:
    """The environment of a server process: the suite's, minus pytest's, plus the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        # The suite's own settings module (root conftest.py names it).
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "opd_site.settings"),
        DATABASE_URL=database_url,
        OPD_TESTING="yes",  # the fast password hasher and plain-HTTP cookies; DEBUG stays off
        DEBUG="no",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_FORMAT="json",
        THROTTLE_LOGIN="100000/min",
        THROTTLE_REGISTER="100000/min",
        THROTTLE_TOKENS="100000/min",
        METRICS_TOKEN=METRICS_TOKEN,  # with DEBUG off /metrics answers only its holder
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(
    *args,
    database_url: str,
    timeout: float = 60,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """``manage.py`` against ``database_url``, in the servers' environment unless ``env``."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env or server_env(database_url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run_script(
    script: str,
    *,
    database_url: str,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    **arguments,
) -> dict:
    """Run Python inside Django against ``database_url``; ``ARGS`` in, the last stdout line out."""
    program = f"import json\nARGS = json.loads({json.dumps(json.dumps(arguments))})\n{script}"
    output = manage(
        "shell", "--no-imports", "-c", program, database_url=database_url, timeout=timeout, env=env
    )
    return json.loads(output.strip().splitlines()[-1])


SEED_DAY = """
from datetime import timedelta
from accounts.models import Role
from opd_site import clock
from tests import factories

day = clock.today() + timedelta(days=1)
tag = ARGS["tag"]
doctors = []
for number in range(ARGS["doctors"]):
    doctor = factories.DoctorFactory(
        token_prefix=f"{tag}{number}",
        license_number=f"FAULT-{tag}-{number}",
        user__email=f"{tag.lower()}-doctor{number}@opd.example",
    )
    doctor_day = factories.DoctorDayFactory(doctor=doctor, date=day)
    for hour in range(9, 9 + ARGS["slots"]):
        factories.SlotFactory(
            doctor_day=doctor_day, hour=hour, capacity=ARGS["capacity"], emergency_reserve=1
        )
    doctors.append(doctor.id)
patients = []
for number in range(ARGS["patients"]):
    email = f"{tag.lower()}-patient{number}@opd.example"
    user = factories.UserFactory(email=email, role=Role.PATIENT)
    record = factories.PatientFactory(user=user, name=user.name, email=user.email)
    patients.append({"email": user.email, "patient": record.id})
print(json.dumps({"date": day.isoformat(), "doctors": doctors, "patients": patients}))
"""

READ_DAY = """
from django.db.models import Count
from scheduling.invariants import check_invariants
from scheduling.models import ACTIVE_STATUSES, DoctorDay, Token, TokenEvent, WaitingEntry

days = DoctorDay.objects.filter(doctor_id__in=ARGS["doctors"], date=ARGS["date"])
tokens = [
    {"id": t.id, "patient": t.patient_id, "doctor": t.doctor_day.doctor_id, "status": t.status}
    for t in Token.objects.filter(doctor_day__in=days).select_related("doctor_day")
]
waiting = [
    {"id": w.id, "patient": w.patient_id, "doctor": w.doctor_day.doctor_id, "status": w.status}
    for w in WaitingEntry.objects.filter(doctor_day__in=days).select_related("doctor_day")
]
doubled = list(
    Token.objects.filter(doctor_day__in=days, status__in=ACTIVE_STATUSES)
    .values("doctor_day", "patient").annotate(n=Count("id")).filter(n__gt=1)
    .values_list("doctor_day", "patient")
)
unbooked = Token.objects.filter(doctor_day__in=days).exclude(events__kind__in=[
    "booked", "moved", "promoted", "emergency_admitted", "overflow"]).count()
print(json.dumps({
    "tokens": tokens,
    "waiting": waiting,
    "doubled": doubled,
    "tokens_without_creation_event": unbooked,
    "events": TokenEvent.objects.filter(doctor_day__in=days).count(),
    "invariants": check_invariants(days),
}))
"""


# --- gunicorn ---------------------------------------------------------------------------------


class Gunicorn:
    """The project's gunicorn (with its gunicorn.conf.py) on a loopback port."""

    def __init__(self, *, database_url: str, workers: int = 3, **env):
        self.port = free_port()
        self.workers = workers
        self.folder = Path(tempfile.mkdtemp(prefix="opd-gunicorn-"))
        self.metrics_dir = self.folder / "metrics"
        self.metrics_dir.mkdir()
        self.log_path = self.folder / "server.log"
        self.env = server_env(
            database_url,
            PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir),
            WEB_CONCURRENCY=str(workers),
            **env,
        )
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "Gunicorn":
        command = [sys.executable, "-m", "gunicorn", "opd_site.wsgi"]
        if (ROOT / "gunicorn.conf.py").exists():
            command += ["--config", "gunicorn.conf.py"]
        command += [
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--timeout", "20",
            "--graceful-timeout", "5",
            "--max-requests", "0",
        ]  # fmt: skip
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with suppress(requests.RequestException):
                healthy = requests.get(f"{self.base}/healthz", timeout=2).status_code == 200
                if healthy and len(self.worker_pids()) == self.workers:
                    return self
            time.sleep(0.2)
        log = self.log_tail()
        self.stop()
        raise RuntimeError(f"gunicorn did not become healthy:\n{log}")

    def worker_pids(self) -> list[int]:
        """The arbiter's children, read from /proc (no process is ever looked up by name)."""
        assert self.process is not None
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with suppress(OSError):
                stat = (entry / "stat").read_text()
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid and fields[0] != "Z":
                    children.append(int(entry.name))
        return sorted(children)

    def kill_worker(self) -> int:
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def wait_for_workers(self, timeout: float = 15) -> float:
        """Seconds until the arbiter is back to its full count of workers."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if len(self.worker_pids()) == self.workers:
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"workers not respawned within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        with suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- a TCP proxy in front of PostgreSQL that can be cut -----------------------------------------


class CuttableProxy:
    """Forwards loopback connections to PostgreSQL; ``cut()`` drops them all and refuses new ones.

    While cut, a new connection is accepted and closed at once, as a database host that is
    restarting does: the client learns at once that there is no server, instead of hanging.
    """

    def __init__(self, *, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.refused = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> "CuttableProxy":
        self.thread.start()
        return self

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.down.is_set():
                self.refused += 1
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while not self.closing.is_set():
                for key, _ in selector.select(timeout=0.2):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            _close(client)
            _close(server)
            with self.lock, suppress(ValueError):
                self.pairs.remove((client, server))

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            pairs = list(self.pairs)
        for client, server in pairs:
            _close(client)
            _close(server)

    def restore(self) -> None:
        self.down.clear()

    def stop(self) -> None:
        self.closing.set()
        self.cut()
        _close(self.listener)
        self.thread.join(timeout=2)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()


# --- clients ----------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One booking request as the client saw it."""

    email: str
    patient: int
    doctor: int
    key: str
    started: float = 0.0
    ended: float = 0.0
    status: int | None = None  # None: no HTTP answer at all (connection reset, timeout)
    body: dict = field(default_factory=dict)
    error: str = ""
    replayed: bool = False
    retry_after: str | None = None

    @property
    def outcome(self) -> str:
        if self.status is None:
            return "connection_error"
        return str(self.status)


def login(base: str, email: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=15
    )
    assert response.status_code == 200, (email, response.status_code, response.text[:300])
    return response.json()["access"]


def book(base: str, attempt: Attempt, *, access: str, date: str) -> Attempt:
    """POST one token request with its Idempotency-Key; record whatever comes back."""
    attempt.started = time.monotonic()
    try:
        response = requests.post(
            f"{base}/api/v1/tokens",
            json={"doctor": attempt.doctor, "date": date, "source": "online"},
            headers={"Authorization": f"Bearer {access}", "Idempotency-Key": attempt.key},
            timeout=15,
        )
    except requests.RequestException as exc:
        attempt.status, attempt.error = None, type(exc).__name__
    else:
        attempt.status = response.status_code
        attempt.retry_after = response.headers.get("Retry-After")
        attempt.replayed = response.headers.get("Idempotent-Replayed") == "true"
        try:
            attempt.body = response.json()
        except ValueError:
            attempt.body = {"unparsed": response.text[:300]}
    attempt.ended = time.monotonic()
    return attempt


def is_error_shape(body: dict) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("code"), str) and "message" in error


def scrape_metrics(base: str) -> str:
    response = requests.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    assert response.status_code == 200, response.text[:300]
    return response.text
