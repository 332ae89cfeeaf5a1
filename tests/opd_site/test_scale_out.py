"""Two web instances, one database, one Redis: the seats and the rate limits hold for the site.

Each test starts the project's gunicorn twice (two ports, production settings: DEBUG off, a
secret key, the real password hasher, ``CACHE_URL`` on one Redis), seeds a hospital with the
hospital builder, and sends a 500-request desk booking storm split across both instances onto a
few small slots. Then it reads PostgreSQL: no slot overbooked, no patient twice on a doctor-day,
no token number twice, no 5xx. The second test puts both instances behind a PgBouncer in
transaction pooling mode. Run with ``-s`` to see the figures that docs/deployment.md ("Scaling
out") quotes: CPU per booking and per status read, of the web workers and of PostgreSQL.
"""

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from tests.opd_site.fault_harness import run_script
from tests.opd_site.scale_harness import (
    INVARIANTS,
    PASSWORD,
    SEED,
    CpuMeter,
    Pair,
    PgBouncer,
    StormResult,
    behind_proxy,
    day_state,
    flush_cache,
    production_env,
    scale_database,
    sign_in_desks,
    storm,
    throttle_burst,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]

PATIENTS = 500
DOCTORS = 3
SLOTS = 3
CAPACITY = 5  # and one emergency seat besides: 45 bookable seats for 500 requests
DESKS = 10  # 50 bookings each: under the production rate of 60 token requests a minute
REGISTER_RATE = 10  # THROTTLE_REGISTER, per client address
STATUS_READS = 500


@pytest.fixture(scope="module")
def scale_db():
    database = scale_database(os.environ["DATABASE_URL"])
    database.create()
    yield database
    database.drop()


def seed(database_url: str, tag: str, *, capacity: int = CAPACITY, **env: str) -> dict:
    return run_script(
        SEED,
        database_url=database_url,
        env=production_env(database_url, **env),
        timeout=120,
        tag=tag,
        doctors=DOCTORS,
        slots=SLOTS,
        capacity=capacity,
        desks=DESKS,
        patients=PATIENTS,
        password=PASSWORD,
    )


def assert_storm_held(result: StormResult, state: dict, seeded: dict, database_url: str) -> None:
    statuses = result.statuses
    print(
        f"\nstorm: {len(result.bookings)} requests in {result.seconds:.1f}s, answers "
        f"{dict(statuses)}, per instance {sorted(result.per_instance().values())}"
    )
    unanswered = [b for b in result.bookings if b.status is None]
    assert unanswered == [], f"requests with no answer: {Counter(b.error for b in unanswered)}"
    server_errors = [(b.status, b.body) for b in result.bookings if b.status >= 500]
    assert server_errors == [], f"5xx: {server_errors[:5]}"
    assert set(statuses) <= {201, 202}, [b.body for b in result.bookings if b.status >= 400][:5]
    assert sorted(result.per_instance().values()) == [PATIENTS // 2, PATIENTS // 2]

    assert state["overbooked"] == [], "a slot holds more active tokens than its capacity"
    assert state["doubled_patient"] == [], "a patient holds two active tokens for one doctor-day"
    assert state["doubled_number"] == [], "one token number issued twice on a doctor-day"
    # Every bookable seat was sold, each once; everyone else is on the waiting list, once.
    assert len(state["tokens"]) == statuses[201] == state["seats"]
    assert len(state["waiting"]) == statuses[202] == PATIENTS - state["seats"]
    held = Counter(row[1] for row in state["tokens"] + state["waiting"])
    assert sorted(held) == sorted(seeded["patients"])
    assert set(held.values()) == {1}
    answered = {b.body["id"] for b in result.bookings if b.status == 201}
    assert answered == {row[0] for row in state["tokens"]}, "an answer names a token not stored"
    invariants = run_script(
        INVARIANTS,
        database_url=database_url,
        env=production_env(database_url),
        timeout=120,
        days=seeded["days"],
    )
    assert invariants == []


def test_two_instances_sell_each_seat_once_and_share_one_rate_limit(scale_db):
    flush_cache()
    seeded = seed(scale_db.url, "SA")

    with Pair(database_url=scale_db.url) as pair:
        result = storm(pair, seeded, sign_in_desks(pair, seeded))
        state = day_state(scale_db.url, seeded)
        assert_storm_held(result, state, seeded, scale_db.url)

        # A client that used up its rate on instance A is refused on instance B.
        first = [register_attempt(pair.bases[0], "203.0.113.7") for _ in range(REGISTER_RATE)]
        assert [answer.status_code for answer in first] == [400] * REGISTER_RATE
        refused = register_attempt(pair.bases[1], "203.0.113.7")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "throttled"
        assert int(refused.headers["Retry-After"]) > 0

        # A burst from one address, split across both instances at once: the limit, not twice.
        burst = throttle_burst(pair, address="203.0.113.8", requests_count=3 * REGISTER_RATE)
        print(f"sign-up burst from one address over both instances: {dict(burst)}")
        assert burst == Counter({400: REGISTER_RATE, 429: 2 * REGISTER_RATE})


def test_cpu_per_booking_and_per_status_read(scale_db):
    """The figures for sizing: CPU of web workers and of PostgreSQL per request, both kinds.

    A roomy day (every request gets a seat), then public status reads of those tokens.
    """
    flush_cache()
    seeded = seed(scale_db.url, "SR", capacity=PATIENTS)

    with Pair(database_url=scale_db.url) as pair:
        access = sign_in_desks(pair, seeded)
        meter = CpuMeter(pair, admin_url=scale_db.url, database=scale_db.name)
        with meter:
            result = storm(pair, seeded, access)
        assert result.statuses == Counter({201: PATIENTS})
        print(f"\n{meter.report('bookings (each seated)', PATIENTS)}")

        references = [b.body["reference"] for b in result.bookings]
        with meter:
            status_reads(pair, references, count=STATUS_READS)
        print(meter.report("public status reads", STATUS_READS))
    assert meter.used["web"] > 0
    assert meter.used["database"] > 0


def test_two_instances_behind_pgbouncer_in_transaction_mode(scale_db):
    flush_cache()
    bouncer = PgBouncer(
        upstream_host=scale_db.host, upstream_port=scale_db.port, user="postgres", pool_size=2
    ).start()
    try:
        pooled_url = scale_db.url_through(bouncer.port)
        assert_row_locks_hold_through(pooled_url)
        seeded = seed(pooled_url, "SB", DATABASE_POOLER="pgbouncer")

        with Pair(database_url=pooled_url, DATABASE_POOLER="pgbouncer") as pair:
            result = storm(pair, seeded, sign_in_desks(pair, seeded))
            clients = [
                c for c in bouncer.show("CLIENTS", "postgres") if c["database"] == scale_db.name
            ]
            servers = [
                s for s in bouncer.show("SERVERS", "postgres") if s["database"] == scale_db.name
            ]
        print(f"\npgbouncer: {len(clients)} client connections over {len(servers)} server ones")
        # Four workers (two per instance) took turns on at most two PostgreSQL connections.
        assert len(clients) >= 4
        assert len(servers) <= 2
        state = day_state(scale_db.url, seeded)
        assert_storm_held(result, state, seeded, scale_db.url)
    finally:
        bouncer.stop()


def assert_row_locks_hold_through(pooled_url: str) -> None:
    """``SELECT ... FOR UPDATE`` through the pooler holds until COMMIT; SET LOCAL stays local.

    In transaction mode each transaction keeps one server connection from BEGIN to COMMIT, so
    a row lock taken inside it lasts exactly as long as the engine expects, and the engine's
    ``set_config('lock_timeout', ..., true)`` ends with it.
    """
    with psycopg.connect(pooled_url) as holder, psycopg.connect(pooled_url) as waiter:
        with holder.transaction():
            holder.execute("SELECT 1 FROM django_migrations WHERE id = 1 FOR UPDATE")
            with waiter.transaction():
                waiter.execute("SELECT set_config('lock_timeout', '300ms', true)")
                started = time.monotonic()
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    waiter.execute("SELECT 1 FROM django_migrations WHERE id = 1 FOR UPDATE")
                assert time.monotonic() - started >= 0.25
        with waiter.transaction():
            waiter.execute("SELECT 1 FROM django_migrations WHERE id = 1 FOR UPDATE")
            assert waiter.execute("SHOW lock_timeout").fetchone()[0] == "0"


def register_attempt(base: str, address: str) -> requests.Response:
    """A sign-up with an empty body (400): the throttle counts it before the view reads it."""
    return requests.post(
        f"{base}/api/v1/auth/register", json={}, headers=behind_proxy(address), timeout=30
    )


def status_reads(pair: Pair, references: list[str], *, count: int, threads: int = 8) -> None:
    """``count`` public status reads of booked tokens, spread over both instances."""
    bases = pair.bases

    def read(n: int) -> int:
        return requests.get(
            f"{bases[n % 2]}/api/v1/token-status/{references[n % len(references)]}",
            headers=behind_proxy(f"192.0.2.{n % 200 + 1}"),
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(threads) as pool:
        answers = Counter(pool.map(read, range(count)))
    assert answers == Counter({200: count}), answers
