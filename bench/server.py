"""gunicorn with the production configuration, on the bench database, for the HTTP phases."""

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.config import BENCH_SECRET_KEY, REPO, RESULTS

HOST = "127.0.0.1"
STATIC_ROOT = Path(tempfile.gettempdir()) / "opd_bench_static"
HIGH_RATE = "1000000/min"
BENCH_CONF = REPO / "bench" / "gunicorn_bench.py"


def production_env(url: str, settings_module: str = "opd_site.settings") -> dict[str, str]:
    """The web process's environment: production settings, with the throttles raised.

    DEBUG off, no test mode, a secret from the environment, HTTPS redirect off (there is no TLS
    proxy in front here). Login lockout stays on: logins are not what is measured.
    ``settings_module`` is the production settings, or a bench module built on them (the HTTP
    floor's ``bench.floor_settings``).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("OPD_TESTING", "DEBUG", "LOG_LEVEL")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": url,
            "DEBUG": "no",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "no",
            # Nothing is delivered during a bench: the console backends, chosen on purpose.
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "SMS_BACKEND": "scheduling.sms.ConsoleSMSBackend",
            "STATIC_ROOT": str(STATIC_ROOT),
            "THROTTLE_TOKENS": HIGH_RATE,
            "THROTTLE_LOGIN": HIGH_RATE,
            "THROTTLE_REGISTER": HIGH_RATE,
            "THROTTLE_ANON": HIGH_RATE,
            "THROTTLE_USER": HIGH_RATE,
            "THROTTLE_READS": HIGH_RATE,
            "THROTTLE_BOARD": HIGH_RATE,
        }
    )
    env.pop("TZ", None)
    return env


def collectstatic(url: str) -> float:
    """Production serves hashed static files from a manifest; pages need it to render."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=production_env(url),
        check=True,
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """Start ``gunicorn opd_site.wsgi`` (with the repo's gunicorn.conf.py when there is one).

    ``settings_module`` replaces ``opd_site.settings`` in the environment (nothing else
    changes); ``log_name`` is the log file under ``bench/results/``.
    """

    def __init__(
        self,
        url: str,
        *,
        workers: int | None = None,
        settings_module: str = "opd_site.settings",
        log_name: str = "gunicorn.log",
    ):
        self.url = url
        self.port = free_port()
        self.conf = REPO / "gunicorn.conf.py"
        self.workers = workers
        self.settings_module = settings_module
        self.proc: subprocess.Popen | None = None
        self.log_path = RESULTS / log_name
        self.statements_path = self.log_path.with_suffix(".statements.jsonl")

    def env(self) -> dict[str, str]:
        env = production_env(self.url, self.settings_module)
        env["BENCH_STATEMENTS_FILE"] = str(self.statements_path)
        return env

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "gunicorn"]
        if self.conf.exists():
            # gunicorn.conf.py as is, plus statement counts on request (bench/gunicorn_bench.py).
            cmd += ["--config", str(BENCH_CONF)]
        else:
            cmd += ["--workers", str(self.workers or 2 * (os.cpu_count() or 1) + 1)]
        if self.workers and self.conf.exists():
            cmd += ["--workers", str(self.workers)]
        cmd += ["--bind", f"{HOST}:{self.port}", "opd_site.wsgi"]
        return cmd

    def settings(self) -> dict[str, object]:
        """Worker count and class as gunicorn will run them (the config file read as gunicorn
        reads it, with the web process's environment)."""
        found: dict[str, object] = {"workers": 1, "worker_class": "sync"}
        if self.conf.exists():
            saved, web_env = dict(os.environ), self.env()
            try:
                os.environ.clear()
                os.environ.update(web_env)
                namespace = runpy.run_path(str(self.conf))
            finally:
                os.environ.clear()
                os.environ.update(saved)
            found.update({k: namespace[k] for k in found if k in namespace})
        else:
            found["workers"] = 2 * (os.cpu_count() or 1) + 1
        if self.workers:
            found["workers"] = self.workers
        return found

    def describe(self) -> str:
        source = (
            "gunicorn.conf.py" if self.conf.exists() else "bench defaults (no gunicorn.conf.py)"
        )
        return f"{' '.join(self.command()[1:])}  [{source}, {self.settings_module}]"

    def statement_counts(self) -> list[dict]:
        """The lines the workers wrote for requests that asked for a statement count."""
        if not self.statements_path.exists():
            return []
        text = self.statements_path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def __enter__(self) -> "Gunicorn":
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.statements_path.unlink(missing_ok=True)
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self.command(),
            cwd=REPO,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(
            f"gunicorn did not answer /healthz within {timeout}s; see {self.log_path}"
        )

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
