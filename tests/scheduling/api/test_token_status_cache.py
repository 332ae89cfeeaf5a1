"""``GET token-status/{reference}`` from the read cache: fresh after every change, 304 for a
poller holding the answer, one query when cached, and the same in Redis."""

import pytest

from queueing.services import call_next, check_in
from scheduling.services.delay import set_delay

pytestmark = pytest.mark.django_db


def status(client, token, **headers):
    return client.get(f"/api/v1/token-status/{token.reference}", headers=headers)


def test_each_change_shows_in_the_next_answer(client, clinic, morning):
    clinic.book()
    token = clinic.book()
    assert status(client, token).json()["position"] == 2
    check_in(token=token)
    assert status(client, token).json()["status"] == "checked_in"
    assert status(client, token).json()["position"] == 1
    call_next(doctor=clinic.doctor)
    assert status(client, token).json()["status"] == "in_consultation"
    waiting = clinic.book()
    before = status(client, waiting).json()["estimated_time"]
    set_delay(doctor=clinic.doctor, minutes=40)
    assert status(client, waiting).json()["estimated_time"] != before


def test_304_until_the_token_changes(client, clinic, morning, django_assert_max_num_queries):
    token = clinic.book()
    first = status(client, token)
    assert first["Cache-Control"] == "private, no-cache"
    with django_assert_max_num_queries(1):
        again = status(client, token, if_none_match=first["ETag"])
    assert again.status_code == 304
    with django_assert_max_num_queries(1):
        assert status(client, token).json() == first.json()
    check_in(token=token)
    changed = status(client, token, if_none_match=first["ETag"])
    assert changed.status_code == 200
    assert changed.json()["status"] == "checked_in"


def test_the_answer_from_redis(client, clinic, morning, redis_cache):
    token = clinic.book()
    assert status(client, token).json()["status"] == "booked"
    assert redis_cache("*opd:queue:*")
    check_in(token=token)
    assert status(client, token).json()["status"] == "checked_in"


def test_a_renamed_doctor_or_department_shows_in_the_next_answer(client, clinic, morning):
    # The slip's read takes only the columns the answer shows; those are its cache key too.
    token = clinic.book()
    assert status(client, token).json()["doctor"]["name"] == clinic.doctor.user.name
    clinic.doctor.user.name = "Dr. Meera Iyer"
    clinic.doctor.user.save(update_fields=["name"])
    department = clinic.doctor.department
    department.name = "General Medicine (OPD 2)"
    department.save(update_fields=["name"])
    doctor = status(client, token).json()["doctor"]
    assert doctor["name"] == "Dr. Meera Iyer"
    assert doctor["department"]["name"] == "General Medicine (OPD 2)"


def test_an_unknown_reference_is_the_contract_s_404(client, db):
    answer = client.get("/api/v1/token-status/NOSUCHREF")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
