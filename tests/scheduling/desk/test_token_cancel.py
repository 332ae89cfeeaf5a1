"""Cancelling at the desk asks for confirmation first, and says truly where the seat went."""

import pytest
from django.urls import reverse

from scheduling.models import Token, TokenStatus
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db


def cancel(client, token, **data):
    return client.post(reverse("desk:token_cancel", args=[token.reference]), data, follow=True)


def test_the_token_page_form_only_asks_for_confirmation(desk_client, clinic):
    token = clinic.book()
    page = cancel(desk_client, token, reason="Patient phoned").content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED
    assert "Cancel token CARD1-001?" in page
    assert 'value="Patient phoned"' in page
    assert 'name="confirm" value="yes"' in page


def test_a_reason_is_needed(desk_client, clinic):
    token = clinic.book()
    response = cancel(desk_client, token, reason="", confirm="yes")
    assert response.status_code == 400
    assert "Give a reason for cancelling." in response.content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_with_nobody_waiting_the_seat_is_said_to_be_free(desk_client, clinic):
    token = clinic.book()
    page = cancel(desk_client, token, reason="Patient phoned", confirm="yes").content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.CANCELLED
    assert "CARD1-001 cancelled; its seat is free" in page
    assert "went to the waiting list" not in page


def test_the_message_names_the_token_the_seat_was_given_to(desk_client, clock):
    clinic = Clinic(capacity=1)
    first = clinic.book()
    clinic.book()
    clinic.book()
    waiting = clinic.book()
    page = cancel(desk_client, first, reason="Patient phoned", confirm="yes").content.decode()
    waiting.refresh_from_db()
    promoted = Token.objects.get(pk=waiting.allocated_token_id)
    assert promoted.number == 4
    assert "CARD1-001 cancelled; seat given to token CARD1-004 from the waiting list." in page


def test_a_token_that_cannot_be_cancelled_says_why(desk_client, clinic, morning):
    token = clinic.book()
    token.status = TokenStatus.COMPLETED
    token.save(update_fields=["status"])
    page = desk_client.get(reverse("desk:token_cancel", args=[token.reference])).content.decode()
    assert "cannot be cancelled" in page
    assert "Yes, cancel the token" not in page
