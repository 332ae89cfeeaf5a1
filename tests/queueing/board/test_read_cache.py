"""The board and the status pages come from the read cache: a change shows on the very next
poll, an unchanged page answers 304 to a poller holding it, a cached read costs one query, and
the cache works the same in Redis."""

from datetime import timedelta

import pytest
from django.urls import reverse

from queueing.services import call_next, check_in
from scheduling.services.cancellation import cancel_token
from scheduling.services.delay import set_delay
from scheduling.services.emergencies import admit_emergency
from tests import factories

pytestmark = pytest.mark.django_db


def card(client, token, **headers):
    return client.get(reverse("board:status_card", args=[token.reference]), headers=headers)


def rows(client, clinic, **headers):
    return client.get(reverse("board:board_rows", args=[clinic.department.code]), headers=headers)


def test_every_change_shows_on_the_next_poll(client, clinic, morning, admin_user):
    first, second = clinic.book(), clinic.book()
    assert "Booked" in card(client, second).content.decode()
    assert '<dd class="status-position">2</dd>' in card(client, second).content.decode()

    check_in(token=second)
    assert "Checked in" in card(client, second).content.decode()
    assert '<dd class="status-position">1</dd>' in card(client, second).content.decode()
    assert "CARD1-002" in rows(client, clinic).content.decode()

    call_next(doctor=clinic.doctor)
    assert "In consultation" in card(client, second).content.decode()
    assert '<span class="board-number">CARD1-002</span>' in rows(client, clinic).content.decode()

    set_delay(doctor=clinic.doctor, minutes=25)
    assert "Running 25 min late" in rows(client, clinic).content.decode()

    cancel_token(token=first, actor=admin_user)
    assert "Cancelled" in card(client, first).content.decode()

    admit_emergency(doctor=clinic.doctor, patient=factories.PatientFactory())
    assert "CARD1-003" in rows(client, clinic).content.decode()


def test_a_poller_holding_the_page_gets_304_until_it_changes(client, clinic, morning):
    token = clinic.book()
    first = card(client, token)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert first["Cache-Control"] == "private, no-cache"

    again = card(client, token, if_none_match=etag)
    assert again.status_code == 304
    assert again.content == b""

    check_in(token=token)
    changed = card(client, token, if_none_match=etag)
    assert changed.status_code == 200
    assert "Checked in" in changed.content.decode()
    assert changed["ETag"] != etag


def test_a_304_renders_nothing_and_costs_one_query(
    client, clinic, morning, django_assert_max_num_queries
):
    token = clinic.book()
    etag = card(client, token)["ETag"]
    with django_assert_max_num_queries(1):
        assert card(client, token, if_none_match=etag).status_code == 304
    with django_assert_max_num_queries(1):  # the page itself, from the cache
        assert card(client, token).status_code == 200


def test_the_minutes_to_wait_and_the_clock_follow_the_time(client, clinic, morning):
    clinic.book()
    token = clinic.book()
    before = card(client, token)
    morning.set(morning.at + timedelta(minutes=1))
    after = card(client, token, if_none_match=before["ETag"])
    assert after.status_code == 200
    assert "Updated 09:11" in after.content.decode()


def test_the_board_rows_answer_304_within_the_same_second(client, clinic, morning):
    clinic.book()
    etag = rows(client, clinic)["ETag"]
    assert rows(client, clinic, if_none_match=etag).status_code == 304
    morning.set(morning.at + timedelta(seconds=1))
    assert rows(client, clinic, if_none_match=etag).status_code == 200


def test_a_status_page_is_never_another_token_s(client, clinic, morning):
    first, second = clinic.book(), clinic.book()
    assert "CARD1-001" in card(client, first).content.decode()
    page = card(client, second).content.decode()
    assert "CARD1-002" in page and "CARD1-001" not in page
    assert card(client, first, if_none_match=card(client, second)["ETag"]).status_code == 200


def test_the_full_page_carries_the_visitor_s_own_csrf_token(client, clinic, morning):
    token = clinic.book()
    page = client.get(reverse("board:status", args=[token.reference])).content.decode()
    assert "opd-csrf-placeholder" not in page
    assert 'X-CSRFToken": "' in page


def test_the_cache_in_redis_serves_and_refreshes(client, clinic, morning, redis_cache):
    token = clinic.book()
    assert "Booked" in card(client, token).content.decode()
    assert redis_cache("*opd:page:*")
    check_in(token=token)
    assert "Checked in" in card(client, token).content.decode()
    assert "CARD1-001" in rows(client, clinic).content.decode()
