"""The waiting-hall board: per doctor the number being served and the next ones, no names."""

import re

import pytest
from django.urls import reverse

from queueing.selectors import board_for
from queueing.services import call_next, check_in
from scheduling.models import Source
from scheduling.selectors import queue_for
from scheduling.services.emergencies import fast_track
from tests import factories

pytestmark = pytest.mark.django_db


def numbers(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<span class="{css_class}">([^<]+)</span>', html)


def test_board_shows_now_serving_and_next_numbers_without_names(client, clinic, morning):
    tokens = [clinic.book(name=f"Patient {n}") for n in range(5)]
    for token in tokens[:3]:
        check_in(token=token)
    call_next(doctor=clinic.doctor)
    html = client.get(reverse("board:board", args=["CARD"])).content.decode()
    assert numbers(html, "board-number") == ["CARD1-001"]
    assert numbers(html, "board-next") == ["CARD1-002", "CARD1-003", "CARD1-004", "CARD1-005"]
    assert "Dr Asha Rao" in html and "B-12" in html
    assert "Patient " not in html


def test_board_polls_its_rows_every_few_seconds(client, clinic):
    html = client.get(reverse("board:board", args=["CARD"])).content.decode()
    assert 'hx-trigger="every 4s"' in html
    assert reverse("board:board_rows", args=["CARD"]) in html


def test_board_order_matches_the_serving_order(clinic, morning):
    """Emergencies and checked-in patients of started slots come before the rest."""
    booked = [
        clinic.book(source=source) for source in (Source.ONLINE, Source.WALK_IN, Source.PRIORITY)
    ]
    late = clinic.book()
    check_in(token=booked[1])
    check_in(token=late)
    check_in(token=booked[0])
    fast_track(token=booked[0])
    row = board_for(department=clinic.department, upcoming=10)[0]
    expected = [item.token.display_number for item in queue_for(doctor=clinic.doctor)]
    assert row.up_next == expected
    # The fast-tracked patient first, then the checked-in walk-ins, then the paid booking
    # that has not arrived yet.
    assert row.up_next == ["CARD1-001", "CARD1-002", "CARD1-004", "CARD1-003"]


def test_board_shows_a_delay(client, clinic):
    from scheduling.services.delay import set_delay

    set_delay(doctor=clinic.doctor, minutes=25)
    html = client.get(reverse("board:board_rows", args=["CARD"])).content.decode()
    assert "Running 25 min late" in html


def test_board_partial_query_count_does_not_grow(
    client, clinic, morning, django_assert_max_num_queries
):
    second = factories.DoctorFactory(department=clinic.department, token_prefix="CARD2")
    factories.SlotFactory(doctor_day=factories.DoctorDayFactory(doctor=second), hour=9)
    clinic.book()
    with django_assert_max_num_queries(4) as few:
        client.get(reverse("board:board_rows", args=["CARD"]))
    for _ in range(10):
        check_in(token=clinic.book())
    call_next(doctor=clinic.doctor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("board:board_rows", args=["CARD"]))
