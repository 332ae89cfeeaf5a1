"""The waiting-hall board says when the next patient is expected: the range of the estimate."""

import pytest
from django.urls import reverse
from django.utils import timezone

from queueing.selectors import board_for
from queueing.services import call_next, check_in
from scheduling.selectors import queue_for

pytestmark = pytest.mark.django_db


def test_the_board_shows_the_range_of_the_next_patients_call(client, clinic, morning):
    tokens = [clinic.book() for _ in range(3)]
    for token in tokens:
        check_in(token=token)
    call_next(doctor=clinic.doctor)
    waiting = [item for item in queue_for(doctor=clinic.doctor) if item.position > 1]

    html = client.get(reverse("board:board_rows", args=["CARD"])).content.decode()

    first = waiting[0]
    start = timezone.localtime(first.estimated_from).strftime("%H:%M")
    end = timezone.localtime(first.estimated_to).strftime("%H:%M")
    assert first.estimated_from < first.estimated_to
    assert f'<span class="board-next-range">between {start} and {end}</span>' in html
    assert html.count("board-next-range") == 1  # the next patient's only


def test_the_board_row_carries_the_next_patients_range(clinic, morning):
    check_in(token=clinic.book())

    row = board_for(department=clinic.department)[0]
    [item] = queue_for(doctor=clinic.doctor)

    assert (row.next_from, row.next_to) == (item.estimated_from, item.estimated_to)


def test_no_range_when_nobody_is_waiting(client, clinic, morning):
    html = client.get(reverse("board:board_rows", args=["CARD"])).content.decode()

    assert "board-next-range" not in html
    assert board_for(department=clinic.department)[0].next_from is None
