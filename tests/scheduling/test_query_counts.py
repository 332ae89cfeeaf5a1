"""Requesting a token costs a fixed number of queries, however full the day is."""

from django.db import connection

from tests.scheduling.helpers import book, fill, make_day, new_patient


def _count_request(day, django_assert_max_num_queries) -> int:
    patient = new_patient()
    # The leave check; BEGIN; the doctor-day locked, its version moved (the read cache) and its
    # doctor read, in one statement on PostgreSQL (two on SQLite); places already held, seats,
    # counter, token, event; the day's queue read once and the estimate remembered on the token
    # (when they will be called); COMMIT.
    limit = 11 if connection.vendor == "postgresql" else 12
    with django_assert_max_num_queries(limit) as captured:
        allocation = book(day, "online", slot=day.slots[-1], patient=patient)
    assert allocation.outcome == "direct"
    return len(captured.captured_queries)


def test_request_costs_the_same_bounded_queries_with_1_or_60_tokens_in_the_day(
    clock, db, django_assert_max_num_queries
):
    quiet = make_day(hours=(9, 10, 11), capacity=30)
    fill(quiet.slots[0], 1, day=quiet)
    busy = make_day(hours=(9, 10, 11), capacity=30)
    fill(busy.slots[0], 30, day=busy)
    fill(busy.slots[1], 30, day=busy)

    with_one = _count_request(quiet, django_assert_max_num_queries)
    with_sixty = _count_request(busy, django_assert_max_num_queries)

    print(f"queries for one request: {with_one} (1 token in the day), {with_sixty} (60 tokens)")
    assert with_one == with_sixty
