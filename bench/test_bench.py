"""The bench's own arithmetic and HTTP client, checked without a database.

.venv/bin/pytest bench/test_bench.py
"""

import asyncio
from datetime import date

from bench.hospital import DayRef
from bench.httpclient import Connection
from bench.report import Summary
from bench.simday import figures, parse
from bench.stats import Measurement, percentile
from bench.workers import PoolExhausted, Schedule


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([], 99) == 0


def test_merged_measurement_adds_counts_and_keeps_longest_wall_time():
    a = Measurement("x", 1, ok=10, elapsed_s=2.0, latencies_s=[0.1], statuses={"201": 10})
    b = Measurement("x", 1, ok=30, errors=1, elapsed_s=2.5, latencies_s=[0.2], statuses={"201": 30})
    a.merge(b)
    assert (a.ok, a.errors, a.elapsed_s, a.statuses) == (40, 1, 2.5, {"201": 40})
    assert a.per_s == 16


def _summary(**overrides) -> Summary:
    summary = Summary()
    figures = {
        "http_clients": 32,
        "engine_vs_sql_ratio": 0.6,
        "http_vs_sql_ratio": 0.3,
        "http_p99_ms": 80.0,
        "storm_overbooked": 0,
        "storm_duplicates": 0,
        "storm_5xx": 0,
        "token_request_queries": 12,
        "sim_vs_sql_time_ratio": 1.5,
        "http_web_cpu_ms_per_req": 6.5,
        "http_token_post_queries": 8,
        "http_vs_http_floor_ratio": 0.85,
        "engine_vs_orm_floor_ratio": 0.82,
        "http_db_cpu_ms_per_req": 2.0,
        "sql_db_cpu_ms_per_token": 0.7,
        **{
            f"read_{key}_req_per_s": 1600
            for key in ("status", "token_status", "board_rows", "queue")
        },
        **{f"read_{key}_p99_ms": 60.0 for key in ("status", "token_status", "board_rows", "queue")},
    }
    for key, value in {**figures, **overrides}.items():
        summary[key] = value
    return summary


def test_targets_met_when_every_target_is_met():
    text = _summary().render()
    assert "targets_met yes" in text.splitlines()


def test_one_missed_target_fails_the_run():
    assert "targets_met no" in _summary(http_p99_ms=120.0).render().splitlines()
    assert "targets_met no" in _summary(storm_overbooked=1).render().splitlines()
    assert "targets_met no" in _summary(token_request_queries=13).render().splitlines()


def test_an_unmeasured_figure_is_not_a_met_target():
    lines = _summary(http_vs_sql_ratio=None, http_p99_ms=None).render().splitlines()
    assert "http_vs_sql_ratio n/a" in lines
    assert "target_http n/a" in lines
    assert "targets_met no" in lines


def test_reachable_lines_hold_the_floors_to_the_targets_thresholds():
    lines = _summary(
        orm_floor_vs_sql_ratio=0.5, http_floor_vs_sql_ratio=0.25, http_floor_p99_ms=99.0
    ).render()
    assert "engine_target_reachable yes" in lines.splitlines()
    assert "http_target_reachable yes" in lines.splitlines()
    low = _summary(
        orm_floor_vs_sql_ratio=0.49, http_floor_vs_sql_ratio=0.4, http_floor_p99_ms=100.0
    )
    assert "engine_target_reachable no" in low.render().splitlines()
    assert "http_target_reachable no" in low.render().splitlines()
    slow = _summary(orm_floor_vs_sql_ratio=0.6, http_floor_vs_sql_ratio=0.2, http_floor_p99_ms=50.0)
    assert "http_target_reachable no" in slow.render().splitlines()


def test_engine_reachability_is_read_from_each_floor_in_turn():
    lines = _summary(
        orm_floor_vs_sql_ratio=0.3, django_floor_vs_sql_ratio=0.48, policy_floor_vs_sql_ratio=0.6
    ).render()
    assert "engine_target_reachable no" in lines.splitlines()
    assert "engine_target_reachable_in_django no" in lines.splitlines()
    assert "engine_target_reachable_without_orm yes" in lines.splitlines()
    above = _summary(django_floor_vs_sql_ratio=0.5).render().splitlines()
    assert "engine_target_reachable_in_django yes" in above
    assert "engine_target_reachable_in_django n/a" in _summary().render().splitlines()


def test_web_and_read_targets():
    lines = _summary().render().splitlines()
    for key in (
        "web_cpu",
        "post_queries",
        "http_vs_floor",
        "engine_vs_orm_floor",
        "db_cpu",
        "reads",
    ):
        assert f"target_{key} yes" in lines
    assert "target_web_cpu no" in _summary(http_web_cpu_ms_per_req=7.5).render().splitlines()
    assert "target_db_cpu no" in _summary(http_db_cpu_ms_per_req=2.2).render().splitlines()
    slow_status = _summary(read_status_p99_ms=120.0).render().splitlines()
    assert "target_reads no" in slow_status
    assert "targets_met no" in slow_status
    # The board rows and the queue have a rate target only.
    assert "target_reads yes" in _summary(read_queue_p99_ms=300.0).render().splitlines()
    assert "target_reads no" in _summary(read_queue_req_per_s=900).render().splitlines()


def test_reads_reachability_holds_the_read_floor_to_the_status_target():
    fast = _summary(read_floor_req_per_s=2000, read_floor_p99_ms=40.0).render().splitlines()
    assert "reads_target_reachable yes" in fast
    slow = _summary(read_floor_req_per_s=900, read_floor_p99_ms=80.0).render().splitlines()
    assert "reads_target_reachable no" in slow
    assert "reads_target_reachable n/a" in _summary().render().splitlines()
    assert (
        "web_cpu_target_reachable no"
        in _summary(http_floor_web_cpu_ms_per_req=8.8).render().splitlines()
    )


def test_reachable_lines_are_not_targets():
    lines = _summary(orm_floor_vs_sql_ratio=0.1, http_floor_vs_sql_ratio=0.1).render().splitlines()
    assert "engine_target_reachable no" in lines
    assert "http_target_reachable n/a" in lines  # the floor's p99 was not measured
    assert "targets_met yes" in lines
    assert "engine_target_reachable n/a" in _summary().render().splitlines()


SIM_OUTPUT = """\
TOTALS
  seats               2400 (effective 2390 after delays and cancelled slots)
  tokens issued       2000; seats held at the end 1815
  consultations       2055 completed; last one ended at Mon 13:05
invariants held: yes
wall_time_s 84.00
events_per_s 76.5
service_calls_per_s 106.1
simulation_s 80.00 report_s 4.00
service_s request_token 30.18 calls 2444 ms_per_call 12.3
service_s complete 15.11 calls 2055 ms_per_call 7.4
"""


def test_simulate_day_output_is_read_back():
    out = parse(SIM_OUTPUT)
    assert (out.tokens, out.wall_s, out.simulation_s, out.report_s) == (2000, 84.0, 80.0, 4.0)
    assert out.invariants_held is True
    assert out.services["request_token"].calls == 2444
    assert out.services["request_token"].ms_per_call == 12.3
    assert parse(SIM_OUTPUT.replace("held: yes", "held: no")).invariants_held is False
    assert parse("Traceback ...").simulation_s is None


def test_simulated_day_is_held_to_the_baseline_time_for_its_tokens():
    got = figures(parse(SIM_OUTPUT), doctors=100, sql_per_s=1000.0, orm_per_s=250.0, workers=8)
    assert got["sim_baseline_s"] == 2.0  # 2000 tokens at 1000/s
    assert got["sim_vs_sql_time_ratio"] == 40.0  # simulation_s, not wall_time_s
    assert got["sim_vs_sql_single_worker_time_ratio"] == 5.0  # one worker: 125/s, 16 s
    assert got["sim_orm_floor_s"] == 8.0
    assert got["sim_vs_orm_floor_time_ratio"] == 10.0
    assert got["sim_request_token_ms_per_call"] == 12.3
    unmeasured = figures(parse(SIM_OUTPUT), doctors=100, sql_per_s=0.0, orm_per_s=0.0, workers=8)
    assert unmeasured["sim_baseline_s"] is None
    assert unmeasured["sim_vs_sql_time_ratio"] is None


def test_sim_target_and_its_reachability():
    fast = _summary(sim_vs_sql_time_ratio=2.0, sim_baseline_s=2.0, sim_orm_floor_s=4.0).render()
    assert "target_sim yes" in fast.splitlines()
    assert "sim_target_reachable yes" in fast.splitlines()
    assert "targets_met yes" in fast.splitlines()
    slow = _summary(sim_vs_sql_time_ratio=2.1, sim_baseline_s=2.0, sim_orm_floor_s=4.1).render()
    assert "target_sim no" in slow.splitlines()
    assert "sim_target_reachable no" in slow.splitlines()
    assert "targets_met no" in slow.splitlines()
    lines = _summary(sim_vs_sql_time_ratio=None).render().splitlines()
    assert "target_sim n/a" in lines
    assert "sim_target_reachable n/a" in lines
    assert "targets_met no" in lines


def _days(n: int) -> list[DayRef]:
    return [
        DayRef(doctor_id=i, day=date(2026, 3, 2), doctor_day_id=i, first_slot_id=i)
        for i in range(n)
    ]


def test_spread_schedule_never_books_a_patient_twice_on_one_day():
    pick = Schedule("spread", _days(7), list(range(5)), offset=3, hot_day_seconds=2).picker()
    pairs = [(ref.doctor_day_id, patient) for ref, patient in (pick(0) for _ in range(35))]
    assert len(set(pairs)) == 35


def test_hot_schedule_books_one_day_and_rolls_over_with_time():
    pick = Schedule("hot", _days(3), [10, 11], offset=0, hot_day_seconds=2).picker()
    assert [pick(0.1), pick(0.5)] == [(_days(3)[0], 10), (_days(3)[0], 11)]
    try:
        pick(1.0)
    except PoolExhausted:
        pass
    else:
        raise AssertionError("a third booking on the same day needs a third patient")
    assert pick(2.1) == (_days(3)[1], 10)


def test_client_keeps_the_connection_alive_and_reads_both_body_framings():
    async def scenario():
        seen = []

        async def handle(reader, writer):
            seen.append("connect")
            for body in (b'{"n": 1}', None):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                await reader.readexactly(length)
                if body is not None:
                    writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 8\r\n\r\n" + body)
                else:
                    writer.write(
                        b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n"
                        b"Connection: close\r\n\r\n4\r\nwait\r\n3\r\ning\r\n0\r\n\r\n"
                    )
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = Connection("127.0.0.1", port)
        first = await conn.request("POST", "/a", json={"x": 1})
        second = await conn.request("POST", "/b", json={"x": 2})
        server.close()
        return seen, first, second, conn

    seen, first, second, conn = asyncio.run(scenario())
    assert (first.status, first.json()) == (201, {"n": 1})
    assert (second.status, second.body) == (202, b"waiting")
    assert seen == ["connect"]
    assert conn.writer is None  # the server said close: the next request reconnects
