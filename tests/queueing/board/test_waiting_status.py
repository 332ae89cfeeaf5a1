"""A waiting patient's public status page: their place on the list, then their token."""

import pytest
from django.urls import reverse

from scheduling.models import Token
from scheduling.services.cancellation import cancel_token
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_clinic(clock):
    clinic = Clinic(capacity=1)
    clinic.first = clinic.book(name="Meena Kumari")
    clinic.book()
    clinic.book()
    clinic.ahead = clinic.book(name="Farah Khan")
    return clinic


def status(client, entry):
    return client.get(reverse("board:waiting_status", args=[entry.reference]))


def test_the_page_shows_the_place_on_the_list_and_nobody_s_data(client, full_clinic):
    patient = factories.PatientFactory(name="Lakshmi Pillai")
    entry = full_clinic.book(patient=patient)
    response = status(client, entry)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"  # kept, asked again each time
    page = response.content.decode()
    assert 'data-testid="waiting-position">No. 2<' in page
    assert "1 patient is ahead of you." in page
    assert "Dr Asha Rao" in page
    assert "Cardiology" in page
    for private in ("Lakshmi Pillai", patient.mrn, "Farah Khan", "Meena Kumari"):
        assert private not in page
    assert full_clinic.ahead.reference not in page
    assert full_clinic.first.reference not in page


def test_once_seated_the_page_links_to_the_token_status(client, full_clinic):
    entry = full_clinic.ahead
    cancel_token(token=full_clinic.first)
    entry.refresh_from_db()
    token = Token.objects.get(pk=entry.allocated_token_id)
    page = status(client, entry).content.decode()
    assert "A seat was found" in page
    assert f'href="{reverse("board:status", args=[token.reference])}"' in page
    assert "Farah Khan" not in page


def test_the_page_refreshes_itself(client, full_clinic):
    entry = full_clinic.ahead
    page = status(client, entry).content.decode()
    card = reverse("board:waiting_status_card", args=[entry.reference])
    assert f'hx-get="{card}"' in page
    card_page = client.get(card).content.decode()
    assert "No. 1" in card_page and "<html" not in card_page


def test_an_unknown_reference_is_not_found(client, clinic):
    assert client.get(reverse("board:waiting_status", args=["nosuchentry9"])).status_code == 404
    assert client.get("/status/w/nosuchentry9/card/").status_code == 404
