"""The token page: why the token is where it is, and the desk's actions on it."""

import pytest
from django.urls import reverse

from scheduling.models import CancelledBy, Source, TokenStatus, WaitingEntry
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db


def test_history_explains_a_bump(desk_client, clock):
    clinic = Clinic(capacity=1)
    walk_in = clinic.book(source=Source.WALK_IN)
    clinic.book(source=Source.PRIORITY)
    page = desk_client.get(reverse("desk:token", args=[walk_in.reference])).content.decode()
    assert "Bumped to a later slot" in page
    assert "Made room for a priority (paid) token of higher priority." in page
    assert "First asked for" in page and "09:00" in page


def test_checking_in_from_the_token_page(desk_client, clinic, morning):
    token = clinic.book()
    response = desk_client.post(
        reverse("desk:token_action", args=[token.reference, "check-in"]), follow=True
    )
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN
    assert f"{token.display_number} checked in." in response.content.decode()


def test_an_illegal_action_shows_the_engine_message(desk_client, clinic, morning):
    token = clinic.book()
    desk_client.post(reverse("desk:token_action", args=[token.reference, "check-in"]))
    page = desk_client.post(
        reverse("desk:token_action", args=[token.reference, "no-show"]), follow=True
    ).content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN
    assert "A checked in token cannot become no-show." in page


def test_fast_track_raises_to_emergency_priority(desk_client, clinic, morning):
    token = clinic.book()
    desk_client.post(reverse("desk:token_action", args=[token.reference, "fast-track"]))
    token.refresh_from_db()
    assert token.priority == 100


def test_cancelling_needs_a_reason_and_promotes_the_waiting_list(desk_client, clock):
    clinic = Clinic(capacity=1)
    first = clinic.book()
    clinic.book()
    clinic.book()
    waiting = clinic.book()
    assert isinstance(waiting, WaitingEntry)
    url = reverse("desk:token_cancel", args=[first.reference])
    page = desk_client.post(url, {"reason": "", "confirm": "yes"}, follow=True).content.decode()
    assert "Give a reason for cancelling." in page
    desk_client.post(url, {"reason": "Feeling better", "confirm": "yes"})
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == TokenStatus.CANCELLED
    assert first.cancelled_by == CancelledBy.STAFF
    assert first.cancellation_reason == "Feeling better"
    assert waiting.allocated_token is not None


def test_unknown_action_is_not_found(desk_client, clinic):
    token = clinic.book()
    response = desk_client.post(reverse("desk:token_action", args=[token.reference, "teleport"]))
    assert response.status_code == 404


def test_actions_need_post(desk_client, clinic, morning):
    token = clinic.book()
    response = desk_client.get(reverse("desk:token_action", args=[token.reference, "check-in"]))
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_patient_page_lists_the_token(desk_client, clinic):
    patient = factories.PatientFactory()
    token = clinic.book(patient=patient)
    page = desk_client.get(reverse("desk:patient", args=[patient.pk])).content.decode()
    assert token.display_number in page
    assert reverse("desk:slip", args=[token.reference]) in page
