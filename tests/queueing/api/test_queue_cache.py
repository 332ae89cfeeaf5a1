"""A doctor's queue from the read cache: fresh after every change, 304 for a poller holding
it, and the same in Redis."""

import pytest

from queueing.services import call_next, check_in
from scheduling.services.cancellation import cancel_token

pytestmark = pytest.mark.django_db


def queue(client, clinic, **headers):
    return client.get(f"/api/v1/doctors/{clinic.doctor.pk}/queue", headers=headers)


def numbers(response):
    return [(item["number"], item["status"]) for item in response.json()["results"]]


def test_each_change_shows_in_the_next_read(client, clinic, morning, admin_user):
    first, second = clinic.book(), clinic.book()
    assert numbers(queue(client, clinic)) == [("CARD1-001", "booked"), ("CARD1-002", "booked")]
    check_in(token=second)
    assert numbers(queue(client, clinic))[0] == ("CARD1-002", "checked_in")
    call_next(doctor=clinic.doctor)
    assert numbers(queue(client, clinic))[0] == ("CARD1-002", "in_consultation")
    cancel_token(token=first, actor=admin_user)
    assert numbers(queue(client, clinic)) == [("CARD1-002", "in_consultation")]


def test_304_until_the_queue_changes(client, clinic, morning, django_assert_max_num_queries):
    clinic.book()
    first = queue(client, clinic)
    assert first["Cache-Control"] == "no-cache"
    with django_assert_max_num_queries(3):  # the doctor (its schedules), the day and its version
        assert queue(client, clinic, if_none_match=first["ETag"]).status_code == 304
    clinic.book()
    changed = queue(client, clinic, if_none_match=first["ETag"])
    assert changed.status_code == 200
    assert len(changed.json()["results"]) == 2


def test_the_queue_from_redis(client, clinic, morning, redis_cache):
    token = clinic.book()
    assert numbers(queue(client, clinic)) == [("CARD1-001", "booked")]
    assert redis_cache("*opd:queue:*")
    check_in(token=token)
    assert numbers(queue(client, clinic)) == [("CARD1-001", "checked_in")]
