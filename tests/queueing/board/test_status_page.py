"""The patient's public status page: number, doctor, slot, status, position and wait."""

import pytest
from django.urls import reverse

from queueing.services import call_next, check_in, complete

pytestmark = pytest.mark.django_db


def test_status_page_shows_position_and_wait_but_no_name(client, clinic, morning):
    first = clinic.book(name="Meena Kumari")
    second = clinic.book(name="Ravi Verma")
    page = client.get(reverse("board:status", args=[second.reference])).content.decode()
    assert "CARD1-002" in page
    assert "Dr Asha Rao" in page
    assert "09:00–10:00" in page
    assert "Booked" in page
    assert '<dd class="status-position">2</dd>' in page
    # The patient ahead is ten minutes late for the slot: they may not come at all (half of
    # those absent at their slot's start come late, with no history of the hospital's own).
    assert "about 2 min" in page
    assert "between 09:10 and 09:19" in page
    assert "Ravi Verma" not in page and "Meena Kumari" not in page
    assert first.reference not in page


def test_status_page_refreshes_itself(client, clinic):
    token = clinic.book()
    page = client.get(reverse("board:status", args=[token.reference])).content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert reverse("board:status_card", args=[token.reference]) in page
    assert 'http-equiv="refresh" content="30"' in page


def test_status_follows_the_token_through_the_day(client, clinic, morning):
    token = clinic.book()
    check_in(token=token)
    call_next(doctor=clinic.doctor)
    card = client.get(reverse("board:status_card", args=[token.reference])).content.decode()
    assert "In consultation" in card
    complete(token=token)
    card = client.get(reverse("board:status_card", args=[token.reference])).content.decode()
    assert "Completed" in card
    assert "Position" not in card


def test_status_page_query_count_does_not_grow(client, clinic, django_assert_max_num_queries):
    token = clinic.book()
    with django_assert_max_num_queries(4) as few:
        client.get(reverse("board:status", args=[token.reference]))
    for _ in range(10):
        clinic.book()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("board:status_card", args=[token.reference]))
