"""HTTP end to end: the HTTP floor, bookings under load, the storm, and the read endpoints,
through gunicorn.

The load generator is one asyncio process of N clients, each with its own connection, booking
as distinct patients with JWTs minted in this process (the server shares the signing key).
The HTTP floor is the same booking load against ``bench.floor_settings``: the same gunicorn and
production environment, one extra view (``bench/floor_views.py``) that books with the ORM floor
transaction instead of the engine.
"""

import asyncio
import os
import statistics
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.hospital import DayRef, Hospital
from bench.httpclient import Connection
from bench.server import HOST, Gunicorn, collectstatic
from bench.stats import Measurement, ratio
from bench.workers import process_cpu_s

Log = Callable[[str], None]


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def api_path(path: str) -> str | None:
    """The spelling of ``path`` the URL conf answers: with or without a trailing slash."""
    for candidate in (path, path.rstrip("/") + "/", path.rstrip("/")):
        if _resolves(candidate):
            return candidate
    return None


def api_available() -> bool:
    return api_path("/api/v1/tokens") is not None


@dataclass(frozen=True)
class Paths:
    tokens: str
    queue: str | None
    slots: str | None
    board: str | None
    board_rows: str | None
    status: str | None = None  # a checked-in patient's status page on the reads day
    token_status: str | None = None  # the same token through the API

    @classmethod
    def discover(cls, hospital: Hospital) -> "Paths":
        from django.urls import NoReverseMatch, reverse

        doctor = hospital.reads_day.doctor_id
        code = hospital.reads_department_code.lower()
        board = board_rows = None
        try:
            board = reverse("board:board", kwargs={"code": code})
            board_rows = reverse("board:board_rows", kwargs={"code": code})
        except NoReverseMatch:
            board = api_path(f"/board/{code}/")
        day = hospital.reads_day.day.isoformat()
        slots = api_path(f"/api/v1/doctors/{doctor}/slots")
        return cls(
            tokens=api_path("/api/v1/tokens"),
            queue=api_path(f"/api/v1/doctors/{doctor}/queue"),
            slots=f"{slots}?date={day}" if slots else None,
            board=board,
            board_rows=board_rows,
            **_status_paths(hospital),
        )


def _status_paths(hospital: Hospital) -> dict[str, str | None]:
    """The status page and the API's token-status of a token in the middle of the reads day's
    queue (what a patient's phone polls)."""
    from scheduling.models import Token, TokenStatus

    references = list(
        Token.objects.filter(
            doctor_day_id=hospital.reads_day.doctor_day_id, status=TokenStatus.CHECKED_IN
        )
        .order_by("number")
        .values_list("reference", flat=True)
    )
    if not references:
        return {"status": None, "token_status": None}
    reference = references[len(references) // 2]
    return {
        "status": api_path(f"/status/{reference}/"),
        "token_status": api_path(f"/api/v1/token-status/{reference}"),
    }


def mint_access_tokens(user_ids: list[int]) -> dict[int, str]:
    """Access JWTs for patient accounts, signed with the key the server uses."""
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    users = User.objects.in_bulk(user_ids)
    return {uid: str(AccessToken.for_user(users[uid])) for uid in user_ids}


def booking_body(ref: DayRef) -> dict:
    return {"doctor": ref.doctor_id, "date": ref.day.isoformat(), "source": "online"}


FLOOR_SETTINGS = "bench.floor_settings"
FLOOR_URLCONF = "bench.floor_urls"


def floor_tokens_path() -> str:
    from bench.floor_urls import FLOOR_TOKENS_PATH

    return FLOOR_TOKENS_PATH


def floor_read_path() -> str:
    from bench.floor_urls import FLOOR_READ_PATH

    return FLOOR_READ_PATH


def count_post_queries(
    path: str, ref: DayRef, jwt: str, *, urlconf: str | None = None
) -> tuple[int, int]:
    """SQL statements of one booking POST through the whole Django stack, in process
    (``urlconf`` in place of the site's, for the floor view)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    with (
        override_settings(**({"ROOT_URLCONF": urlconf} if urlconf else {})),
        CaptureQueriesContext(connection) as captured,
    ):
        response = client.post(
            path,
            booking_body(ref),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {jwt}",
        )
    return response.status_code, len(captured.captured_queries)


async def _load(
    *,
    name: str,
    port: int,
    clients: int,
    seconds: float,
    make_request: Callable[[int, int], tuple[str, str, dict, object]],
) -> Measurement:
    """``clients`` connections, each sending ``make_request(client, j)`` back to back."""
    result = Measurement(name=name, clients=clients)
    statuses: Counter = Counter()
    start = time.perf_counter()
    deadline = start + seconds

    async def one_client(c: int) -> None:
        conn = Connection(HOST, port)
        j = 0
        try:
            while time.perf_counter() < deadline:
                method, path, headers, body = make_request(c, j)
                j += 1
                began = time.perf_counter()
                try:
                    response = await conn.request(method, path, headers=headers, json=body)
                except Exception as exc:  # noqa: BLE001 - counted, the first one shown
                    statuses[type(exc).__name__] += 1
                    result.errors += 1
                    result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
                    continue
                result.latencies_s.append(time.perf_counter() - began)
                statuses[str(response.status)] += 1
                if 200 <= response.status < 300:
                    result.ok += 1
                else:
                    result.errors += 1
                    if not result.first_error:
                        result.first_error = f"{response.status} {response.body[:200]!r}"
        finally:
            await conn.close()

    await asyncio.gather(*(one_client(c) for c in range(clients)))
    result.elapsed_s = time.perf_counter() - start
    result.statuses = dict(statuses)
    return result


async def _warm_up(port: int, path: str, requests: int = 60) -> None:
    """Every worker imports the URL conf and opens its database connection before timing."""

    async def one() -> None:
        conn = Connection(HOST, port)
        try:
            await conn.request("GET", path)
        finally:
            await conn.close()

    await asyncio.gather(*(one() for _ in range(requests)))


def book_under_load(
    *,
    port,
    plan,
    hospital,
    paths,
    jwts,
    path: str | None = None,
    phase: str = "http",
    name: str = "http booking",
) -> Measurement:
    """``plan.http_clients`` clients booking back to back over the phase's doctor-days (each
    client walks them from its own offset, as its own patients), at ``path`` (the booking
    endpoint by default)."""
    days = hospital.spread[phase]
    stride = max(1, len(days) // plan.http_clients)
    path = path or paths.tokens

    def make_request(c: int, j: int):
        users = hospital.http_users[c]
        ref = days[(c * stride + j) % len(days)]
        user = users[(j // len(days)) % len(users)]
        return "POST", path, {"Authorization": f"Bearer {jwts[user]}"}, booking_body(ref)

    return asyncio.run(
        _load(
            name=name,
            port=port,
            clients=plan.http_clients,
            seconds=plan.http_seconds,
            make_request=make_request,
        )
    )


def read_under_load(*, port, plan, name: str, path: str) -> Measurement:
    return asyncio.run(
        _load(
            name=name,
            port=port,
            clients=plan.http_clients,
            seconds=plan.read_seconds,
            make_request=lambda c, j: ("GET", path, {}, None),
        )
    )


async def _storm(*, port: int, path: str, ref: DayRef, jwts: list[str]) -> tuple[Measurement, list]:
    """Every request at once, each on its own connection; the drain is first send to last answer."""
    result = Measurement(name="storm", clients=len(jwts))
    answers: list = []
    go = asyncio.Event()

    async def one(jwt: str) -> None:
        conn = Connection(HOST, port, timeout=300)
        try:
            await go.wait()
            began = time.perf_counter()
            response = await conn.request(
                "POST", path, headers={"Authorization": f"Bearer {jwt}"}, json=booking_body(ref)
            )
            result.latencies_s.append(time.perf_counter() - began)
            answers.append(response.status)
        except Exception as exc:  # noqa: BLE001 - a failed request is a finding, not a crash
            answers.append(type(exc).__name__)
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
        finally:
            await conn.close()

    tasks = [asyncio.create_task(one(jwt)) for jwt in jwts]
    await asyncio.sleep(0.2)
    start = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    result.elapsed_s = time.perf_counter() - start
    result.statuses = {str(k): v for k, v in Counter(answers).items()}
    result.ok = sum(1 for a in answers if isinstance(a, int) and 200 <= a < 300)
    result.errors = len(answers) - result.ok
    return result, answers


def storm_verdict(ref: DayRef) -> dict[str, int]:
    """What the database holds after the storm: overbooked seats, duplicates, invariants."""
    from django.db.models import Count

    from scheduling.invariants import check_invariants
    from scheduling.models import ACTIVE_STATUSES, DoctorDay, Slot, Token, WaitingEntry

    active = Token.objects.filter(doctor_day_id=ref.doctor_day_id, status__in=ACTIVE_STATUSES)
    per_slot = dict(active.values_list("slot").annotate(n=Count("id")).order_by())
    capacity = dict(
        Slot.objects.filter(doctor_day_id=ref.doctor_day_id).values_list("id", "capacity")
    )
    overbooked = sum(max(0, n - capacity[slot]) for slot, n in per_slot.items())
    all_tokens = Token.objects.filter(doctor_day_id=ref.doctor_day_id)
    numbers = list(all_tokens.values_list("number", flat=True))
    waiting = WaitingEntry.objects.filter(
        doctor_day_id=ref.doctor_day_id, status=WaitingEntry.Status.WAITING
    )
    holders = Counter(active.values_list("patient_id", flat=True))
    holders.update(waiting.values_list("patient_id", flat=True))
    duplicates = (len(numbers) - len(set(numbers))) + sum(n - 1 for n in holders.values() if n > 1)
    gaps = (max(numbers) - len(numbers)) if numbers else 0
    problems = check_invariants(DoctorDay.objects.filter(pk=ref.doctor_day_id))
    return {
        "tokens": active.count(),
        "waiting": waiting.count(),
        "overbooked": overbooked,
        "duplicates": duplicates,
        "number_gaps": gaps,
        "invariant_violations": len(problems),
    }


def _children(parent: int) -> list[int]:
    """Process ids whose parent is ``parent`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after_name = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(after_name[1]) == parent:
            found.append(int(entry.name))
    return found


def _db_backends() -> list[int]:
    """PostgreSQL backends of the bench database other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _cpu_with_reaped_children_s(pid: int) -> float | None:
    """CPU seconds of a process and of the children it has reaped (user + system), from /proc:
    gunicorn's master, with the workers it recycled during the phase."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds gunicorn (the master and its workers), their database backends and this
    process use meanwhile.

    A worker recycled during the phase (``max_requests``) counts through the master, which
    reaps it: its whole life, less what it had used when the phase began.
    """

    def __init__(self, server: Gunicorn):
        self.server = server

    def snapshot(self) -> dict[str, dict[int, float]]:
        master = self.server.proc.pid
        web = {pid: process_cpu_s(pid) for pid in _children(master)}
        web[master] = _cpu_with_reaped_children_s(master)
        return {
            "web": web,
            "db": {pid: process_cpu_s(pid) for pid in _db_backends()},
            "client": {0: time.process_time()},
        }

    def __enter__(self) -> "CpuMeter":
        self.before = self.snapshot()
        return self

    def __exit__(self, *exc) -> None:
        after = self.snapshot()
        self.used = {}
        for kind, now in after.items():
            was = self.before[kind]
            total = 0.0
            for pid, cpu in now.items():
                if cpu is not None:
                    total += cpu - (was.get(pid) or 0.0) if pid in was else cpu
            # A worker recycled meanwhile is counted whole through its master: take off what it
            # had used before the phase.
            if kind == "web":
                total -= sum(cpu or 0.0 for pid, cpu in was.items() if pid not in now)
            self.used[kind] = total

    def per_request_ms(self, requests: int) -> dict[str, float | None]:
        if not requests:
            return dict.fromkeys(self.used)
        return {kind: 1000 * seconds / requests for kind, seconds in self.used.items()}


def _cpu_text(cpu: dict[str, float | None]) -> str:
    def ms(kind: str) -> str:
        return "n/a" if cpu.get(kind) is None else f"{cpu[kind]:.1f} ms"

    return f"cpu per request: web {ms('web')}, db {ms('db')}, load generator {ms('client')}"


def _record_read(summary, key: str, m: Measurement | None, cpu=None) -> None:
    summary[f"read_{key}_req_per_s"] = m.per_s if m else None
    summary[f"read_{key}_rps"] = m.per_s if m else None
    summary[f"read_{key}_p99_ms"] = m.ms(99) if m else None
    summary[f"read_{key}_errors"] = m.errors if m else None
    summary[f"read_{key}_web_cpu_ms_per_req"] = cpu.get("web") if cpu else None


COUNTED_PROBES = 5


def statements_over_http(
    server: Gunicorn, *, path: str, ref: DayRef, jwts: list[str], log: Log, name: str
) -> int | None:
    """Statements of one booking POST as the server runs it (its configuration, its settings):
    ``jwts`` book ``ref`` one after another with the count asked for
    (``bench/gunicorn_bench.py``); the median of the 2xx answers, None if none."""

    async def probe() -> None:
        conn = Connection(HOST, server.port)
        try:
            for jwt in jwts:
                await conn.request(
                    "POST",
                    path,
                    headers={"Authorization": f"Bearer {jwt}", "X-Bench-Count-Statements": "1"},
                    json=booking_body(ref),
                )
        finally:
            await conn.close()

    asyncio.run(probe())
    lines = [c for c in server.statement_counts() if c["path"] == path.split("?")[0]]
    counts = [c["statements"] for c in lines if 200 <= c["status"] < 300]
    log(f"{name} under gunicorn: statements per POST {[c['statements'] for c in lines]}")
    return round(statistics.median(counts)) if counts else None


def _probe_jwts(hospital: Hospital, jwts, column: int) -> list[str]:
    """Patients who have not booked the query day yet (the load books the spread days)."""
    users = [users[column] for users in hospital.http_users[1 : 1 + COUNTED_PROBES]]
    return [jwts[u] for u in users]


def _metered_bookings(server, log: Log, **load) -> tuple[Measurement, dict[str, float | None]]:
    """Warm the server up, run ``book_under_load`` against it (``load`` is its arguments but
    the port) and meter the CPU; the measurement and the CPU per request, both logged."""
    asyncio.run(_warm_up(server.port, load["paths"].slots or "/healthz"))
    with CpuMeter(server) as meter:
        result = book_under_load(port=server.port, **load)
    cpu = meter.per_request_ms(result.ok + result.errors)
    log(f"{result.line()} {_cpu_text(cpu)}")
    return result, cpu


FLOOR_KEYS = (
    "http_floor_post_queries",
    "http_floor_post_queries_in_process",
    "http_floor_req_per_s",
    "http_floor_vs_sql_ratio",
    "http_floor_p50_ms",
    "http_floor_p95_ms",
    "http_floor_p99_ms",
    "http_floor_errors",
    "http_floor_days_with_gaps",
    "http_floor_web_cpu_ms_per_req",
    "http_floor_db_cpu_ms_per_req",
    "read_floor_req_per_s",
    "read_floor_rps",
    "read_floor_p99_ms",
    "read_floor_errors",
    "read_floor_web_cpu_ms_per_req",
    "read_floor_loadgen_cpu_ms_per_req",
)


def run_floor(
    *, url: str, plan, hospital: Hospital, summary, sql_per_s: float, paths, jwts, log: Log
) -> Measurement:
    """The HTTP floor: the booking load against the floor view, under the same gunicorn."""
    from bench.ormbase import days_with_gaps

    path = floor_tokens_path()
    # Another patient than the engine's query-count booking: both book the query day.
    status, queries = count_post_queries(
        path, hospital.query_day, jwts[hospital.http_users[0][1]], urlconf=FLOOR_URLCONF
    )
    log(f"one floor booking POST in process: HTTP {status}, {queries} queries")
    summary["http_floor_post_queries_in_process"] = queries
    with Gunicorn(url, settings_module=FLOOR_SETTINGS, log_name="gunicorn-floor.log") as server:
        log(f"gunicorn (HTTP floor): {server.describe()}")
        summary["http_floor_post_queries"] = statements_over_http(
            server,
            path=path,
            ref=hospital.query_day,
            jwts=_probe_jwts(hospital, jwts, 1),
            log=log,
            name="HTTP floor booking",
        )
        floor, cpu = _metered_bookings(
            server,
            log,
            plan=plan,
            hospital=hospital,
            paths=paths,
            jwts=jwts,
            path=path,
            phase="http_floor",
            name="http floor booking",
        )
        # The read floor: the cheapest public read of this stack, at the reads' load.
        with CpuMeter(server) as meter:
            read = read_under_load(
                port=server.port, plan=plan, name="read floor", path=floor_read_path()
            )
        read_cpu = meter.per_request_ms(read.ok + read.errors)
        log(f"{read.line()} {_cpu_text(read_cpu)}")
    summary["http_floor_req_per_s"] = floor.per_s
    summary["http_floor_vs_sql_ratio"] = ratio(floor.per_s, sql_per_s)
    summary["http_floor_p50_ms"] = floor.ms(50)
    summary["http_floor_p95_ms"] = floor.ms(95)
    summary["http_floor_p99_ms"] = floor.ms(99)
    summary["http_floor_errors"] = floor.errors
    summary["http_floor_days_with_gaps"] = days_with_gaps(hospital.spread["http_floor"])
    summary["http_floor_web_cpu_ms_per_req"] = cpu["web"]
    summary["http_floor_db_cpu_ms_per_req"] = cpu["db"]
    _record_read(summary, "floor", read, read_cpu)
    summary["read_floor_loadgen_cpu_ms_per_req"] = read_cpu.get("client")
    return floor


def run_all(
    *, url: str, plan, hospital: Hospital, summary, sql_per_s: float, log: Log
) -> list[str]:
    """The HTTP floor, then the real API: bookings, the storm, reads. The names of the phases
    that failed: a failed floor is logged and leaves its figures ``n/a``; the rest still runs.
    """
    failed_phases: list[str] = []
    paths = Paths.discover(hospital)
    log(f"API paths: {paths}")
    user_ids = [u for users in hospital.http_users for u in users] + hospital.storm_users
    jwts = mint_access_tokens(user_ids)
    query_ref = hospital.query_day
    status, queries = count_post_queries(paths.tokens, query_ref, jwts[hospital.http_users[0][0]])
    log(f"one booking POST in process: HTTP {status}, {queries} queries")
    summary["http_token_post_queries_in_process"] = queries
    log(f"collectstatic for the production static storage: {collectstatic(url):.1f}s")
    floor: Measurement | None = None
    try:
        floor = run_floor(
            url=url,
            plan=plan,
            hospital=hospital,
            summary=summary,
            sql_per_s=sql_per_s,
            paths=paths,
            jwts=jwts,
            log=log,
        )
    except Exception:  # noqa: BLE001 - the real HTTP phases still run; the floor shows n/a
        log("HTTP floor failed:\n" + traceback.format_exc())
        failed_phases.append("http_floor")
        for key in FLOOR_KEYS:
            summary.figures.setdefault(key, None)
    with Gunicorn(url) as server:
        log(f"gunicorn: {server.describe()}")
        for key, value in server.settings().items():
            summary[f"gunicorn_{key}"] = value
        booking, cpu = _metered_bookings(
            server, log, plan=plan, hospital=hospital, paths=paths, jwts=jwts
        )
        # Counted on warm workers, as a booking runs all day: a worker's first booking in each
        # quarter hour also reads the recent days' no-shows (``estimates.history``), one more.
        summary["http_token_post_queries"] = statements_over_http(
            server,
            path=paths.tokens,
            ref=query_ref,
            jwts=_probe_jwts(hospital, jwts, 0),
            log=log,
            name="booking",
        )
        summary["http_web_cpu_ms_per_req"] = cpu["web"]
        summary["http_db_cpu_ms_per_req"] = cpu["db"]
        summary["http_loadgen_cpu_ms_per_req"] = cpu["client"]
        summary["http_req_per_s"] = booking.per_s
        summary["http_vs_sql_ratio"] = ratio(booking.per_s, sql_per_s)
        summary["http_vs_http_floor_ratio"] = ratio(booking.per_s, floor.per_s) if floor else None
        summary["http_p50_ms"] = booking.ms(50)
        summary["http_p95_ms"] = booking.ms(95)
        summary["http_p99_ms"] = booking.ms(99)
        summary["http_errors"] = booking.errors

        storm_jwts = [jwts[u] for u in hospital.storm_users]
        storm, _ = asyncio.run(
            _storm(port=server.port, path=paths.tokens, ref=hospital.storm_day, jwts=storm_jwts)
        )
        verdict = storm_verdict(hospital.storm_day)
        log(f"{storm.line()}; database: {verdict}")
        fivexx = sum(v for k, v in storm.statuses.items() if k.startswith("5"))
        failed = sum(v for k, v in storm.statuses.items() if not k[:1].isdigit())
        summary["storm_requests"] = len(storm_jwts)
        summary["storm_seats"] = hospital.storm_seats
        summary["storm_booked"] = verdict["tokens"]
        summary["storm_waitlisted"] = verdict["waiting"]
        summary["storm_overbooked"] = verdict["overbooked"]
        summary["storm_duplicates"] = verdict["duplicates"]
        summary["storm_number_gaps"] = verdict["number_gaps"]
        summary["storm_invariant_violations"] = verdict["invariant_violations"]
        summary["storm_5xx"] = fivexx
        summary["storm_failed_requests"] = failed
        summary["storm_201"] = storm.statuses.get("201", 0)
        summary["storm_202"] = storm.statuses.get("202", 0)
        summary["storm_drain_s"] = storm.elapsed_s
        summary["storm_p99_ms"] = storm.ms(99)

        for key, path in (
            ("queue", paths.queue),
            ("slots", paths.slots),
            ("board", paths.board),
            ("board_rows", paths.board_rows),
            ("status", paths.status),
            ("token_status", paths.token_status),
        ):
            if path is None:
                log(f"read {key}: no such endpoint, not measured")
                _record_read(summary, key, None)
                continue
            with CpuMeter(server) as meter:
                m = read_under_load(
                    port=server.port, plan=plan, name=f"read {key} {path}", path=path
                )
            cpu = meter.per_request_ms(m.ok + m.errors)
            log(f"{m.line()} {_cpu_text(cpu)}")
            _record_read(summary, key, m, cpu)
    return failed_phases
