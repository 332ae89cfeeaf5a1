"""The container image, built and run: the Dockerfile from a Debian base made with debootstrap.

No container registry is needed. ``debootstrap`` makes a Debian bookworm root filesystem from
Debian's own mirror (python3, python3-venv, ca-certificates), ``buildah`` imports it as the
base image (kept between runs as ``localhost/opd-debian-base:bookworm``) and builds the project's
Dockerfile on it with ``--isolation chroot``, passing this machine's CA bundle as a build
secret, as docs/deployment.md says a network behind a TLS-inspecting proxy needs. Then the
image's own ``CMD`` and the compose file's ``web`` and ``worker`` commands run inside the built
root filesystem (``buildah run``, as the image's user, on the host's network) against a private
PostgreSQL database: ``/healthz`` answers and a receptionist books a token.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests
import yaml

from tests.opd_site.fault_harness import ROOT, FaultDatabase, free_port, run_script
from tests.opd_site.scale_harness import (
    PASSWORD,
    SECRET_KEY,
    SEED,
    Booking,
    book,
    login,
    production_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1200)]

BASE_IMAGE = "localhost/opd-debian-base:bookworm"
IMAGE = "localhost/opd-token-system:test"
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def _run(*command: str, timeout: float = 900) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def _tools() -> None:
    missing = [tool for tool in ("buildah", "debootstrap") if shutil.which(tool) is None]
    assert not missing, f"apt-get install {' '.join(missing)} (.ci/run installs them)"
    assert os.geteuid() == 0, "buildah's chroot isolation and debootstrap need root"


def _ensure_base() -> None:
    """The Debian base image, made once per machine from Debian's own packages."""
    known = subprocess.run(
        ["buildah", "inspect", "--type", "image", BASE_IMAGE], capture_output=True
    )
    if known.returncode == 0:
        return
    folder = Path(tempfile.mkdtemp(prefix="opd-rootfs-"))
    try:
        _run(
            "debootstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
            "bookworm", str(folder / "root"), MIRROR,
        )  # fmt: skip
        container = _run("buildah", "from", "scratch", timeout=60).strip()
        try:
            mounted = _run("buildah", "mount", container, timeout=60).strip()
            _run("cp", "-a", f"{folder / 'root'}/.", mounted, timeout=300)
            _run("buildah", "umount", container, timeout=60)
            _run("buildah", "commit", "--quiet", container, BASE_IMAGE)
        finally:
            _run("buildah", "rm", container, timeout=60)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def image() -> dict:
    """The project's image built on the Debian base; its configuration (user, command...)."""
    _tools()
    _ensure_base()
    secrets = ["--secret", f"id=ca_bundle,src={CA_BUNDLE}"] if CA_BUNDLE.exists() else []
    _run(
        "buildah", "bud", "--isolation", "chroot", "--layers", "--quiet", "--format", "docker",
        "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", *secrets, "--tag", IMAGE, str(ROOT),
    )  # fmt: skip
    inspected = json.loads(_run("buildah", "inspect", "--type", "image", IMAGE, timeout=60))
    return inspected["Docker"]["config"]


@pytest.fixture
def database():
    """A private database for the container, created empty and dropped after."""
    suite = FaultDatabase.beside(os.environ["DATABASE_URL"])
    database = FaultDatabase(
        url=suite.url.replace(suite.name, f"{suite.name}_image"),
        name=f"{suite.name}_image",
        host=suite.host,
        port=suite.port,
    )
    with database._admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database.name}"')
    yield database
    database.drop()


@pytest.fixture
def container(image):
    """A working container of the image; removed after the test."""
    name = _run("buildah", "from", IMAGE, timeout=120).strip()
    yield name
    _run("buildah", "rm", name, timeout=120)


def _environment(database_url: str, port: int) -> dict[str, str]:
    """What the operator gives the container: production settings, nothing of this machine."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_BACKEND": "scheduling.sms.ConsoleSMSBackend",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }


def _in_container(container: str, environment: dict[str, str], command: list[str]) -> list[str]:
    settings = [part for key, value in environment.items() for part in ("--env", f"{key}={value}")]
    return ["buildah", "run", "--isolation", "chroot", *settings, container, "--", *command]


@contextmanager
def _started(container: str, environment: dict[str, str], command: list[str]):
    """Run ``command`` in the container in the background; yield (process, its output file)."""
    log = Path(tempfile.mkstemp(prefix="opd-image-", suffix=".log")[1])
    with open(log, "wb") as output:
        process = subprocess.Popen(
            _in_container(container, environment, command),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process, log
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
    log.unlink(missing_ok=True)


def _healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with suppress(requests.RequestException):
            response = requests.get(f"{base}/healthz", headers=PROXY, timeout=3)
            if response.status_code == 200:
                return response.json()
        time.sleep(0.5)
    raise AssertionError(f"no healthy /healthz from the container:\n{log.read_text()[-3000:]}")


def _compose_command(service: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"][service]["command"]


def test_the_image_runs_as_its_own_user_and_its_cmd_serves_a_booking(image, container, database):
    assert image["User"] == "opd"
    assert image["Cmd"][0] == "gunicorn"
    assert "/healthz" in " ".join(image["Healthcheck"]["Test"])  # kept in the docker format
    port = free_port()
    environment = _environment(database.url, port)
    _run(*_in_container(container, environment, ["python", "manage.py", "migrate", "--noinput"]))
    seeded = run_script(
        SEED,
        database_url=database.url,
        env=production_env(database.url),
        timeout=120,
        tag="IMG",
        doctors=1,
        slots=2,
        capacity=3,
        desks=1,
        patients=1,
        password=PASSWORD,
    )
    base = f"http://127.0.0.1:{port}"

    with _started(container, environment, image["Cmd"]) as (process, log):
        assert _healthy(base, process, log) == {"status": "ok", "database": "ok"}
        access = login(base, seeded["desks"][0], PROXY["X-Forwarded-For"])
        booking = book(
            Booking(
                base=base,
                desk=0,
                patient=seeded["patients"][0],
                doctor=seeded["doctors"][0],
                slot=None,
            ),
            access=access,
            address=PROXY["X-Forwarded-For"],
            date=seeded["date"],
        )
        page = requests.get(f"{base}/static/css/opd.css", headers=PROXY, timeout=5)

    assert booking.status == 201, (booking.body, log)
    assert booking.body["status"] == "booked"
    assert page.status_code == 200  # collected at build time, served by WhiteNoise


def test_the_compose_web_and_worker_commands_run_in_the_image(image, container, database):
    port = free_port()
    environment = _environment(database.url, port)
    base = f"http://127.0.0.1:{port}"

    with _started(container, environment, _compose_command("web")) as (process, log):
        # The web command migrates the empty database before gunicorn starts.
        assert _healthy(base, process, log, timeout=180) == {"status": "ok", "database": "ok"}
        with _started(container, environment, _compose_command("worker")) as (worker, output):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "estimate_notices=" not in output.read_text():
                time.sleep(0.5)
            worked = output.read_text()
            assert worker.poll() is None, worked  # still looping, as compose keeps it
    assert "estimate_notices=" in worked, worked  # one tick's summary line
    assert "opd_tick failed" not in worked, worked
