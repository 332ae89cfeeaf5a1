"""The bench database: dropped, recreated and migrated at the start of every run."""

import os
import subprocess
import sys
import time

import psycopg
from psycopg import sql

from bench.config import REPO, bench_process_env, database_name, libpq_url, maintenance_url


def recreate(url: str) -> None:
    """DROP and CREATE the bench database (its name comes from ``url``)."""
    name = database_name(url)
    if not name.startswith("opd_"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database name must start with opd_")
    with psycopg.connect(libpq_url(maintenance_url(url)), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(url: str) -> float:
    """``manage.py migrate`` into the bench database; the seconds it took."""
    env = {**os.environ, **bench_process_env(url)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    return time.perf_counter() - started


def analyze(url: str) -> float:
    """``ANALYZE`` the whole bench database; the seconds it took.

    The hospital is bulk-built moments before the timed phases, so without this the planner
    would work from the statistics of empty tables; a production database has autovacuum's.
    """
    started = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def server_settings(url: str) -> dict[str, str]:
    """PostgreSQL settings worth printing beside the figures (they bound the baseline)."""
    names = ("server_version", "max_connections", "shared_buffers", "synchronous_commit", "fsync")
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
            for name in names
        }
