"""Where the benchmark runs and how long each phase lasts; the environment Django reads."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/opd_bench"
BENCH_SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def maintenance_url(url: str) -> str:
    """The same server, the ``postgres`` database: where CREATE/DROP DATABASE is issued."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def libpq_url(url: str) -> str:
    """psycopg wants ``postgresql://``; dj-database-url accepts both spellings."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


def bench_process_env(url: str) -> dict[str, str]:
    """The environment of the bench process and its workers (set before ``django.setup()``)."""
    return {
        "DJANGO_SETTINGS_MODULE": "opd_site.settings",
        "DATABASE_URL": url,
        "OPD_TESTING": "yes",
        "DEBUG": "no",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        # Minted JWTs must outlive the run.
        "JWT_ACCESS_MINUTES": "120",
    }


def configure_django(url: str) -> None:
    """Point this process at the bench database and start Django."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.update(bench_process_env(url))
    import django

    django.setup()


@dataclass(frozen=True)
class Plan:
    """Client counts and phase lengths: the full run or ``--quick``."""

    workers: int
    http_clients: int
    sql_seconds: float
    engine_seconds: float
    http_seconds: float
    read_seconds: float
    storm_requests: int
    hot_day_seconds: float
    quick: bool

    @classmethod
    def make(cls, *, quick: bool, workers: int | None, http_clients: int | None) -> "Plan":
        cores = os.cpu_count() or 1
        return cls(
            workers=workers or max(4, 4 * cores),
            http_clients=http_clients or 32,
            sql_seconds=3.0 if quick else 8.0,
            engine_seconds=4.0 if quick else 10.0,
            http_seconds=6.0 if quick else 20.0,
            read_seconds=3.0 if quick else 8.0,
            storm_requests=500,
            hot_day_seconds=2.0,
            quick=quick,
        )
