"""A patient checks in at the kiosk: the desk's service, no actor, a history naming the kiosk."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PhoneMissing
from queueing.kiosk.views import SELF_CHECK_IN_REASON
from queueing.services import check_in
from scheduling.models import EventKind, Token, TokenStatus
from scheduling.selectors import queue_item_for
from tests import factories
from tests.queueing.kiosk.conftest import PHONE

pytestmark = pytest.mark.django_db


def test_kiosk_page_asks_for_the_slip_and_the_phone_digits(client, kiosk_url):
    response = client.get(kiosk_url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cardiology" in page
    assert "Scan the QR code on your slip, or type the token reference" in page
    assert "Last 4 digits of your phone number" in page
    assert "No phone number on your record? Type the last 4 characters of your MRN" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert response["Cache-Control"] == "no-store"


def test_unknown_department_is_not_found(client, clinic):
    assert client.get(reverse("kiosk:kiosk", args=["NOPE"])).status_code == 404


def test_patient_checks_in_with_reference_and_phone_digits(try_kiosk, clinic):
    first = clinic.book()
    check_in(token=first)
    token = clinic.book(phone=PHONE)
    response = try_kiosk(token.reference, "2345")
    page = response.content.decode()
    assert response.status_code == 200
    assert "You are checked in" in page
    assert '<p class="kiosk-number" data-testid="kiosk-number">CARD1-002</p>' in page
    assert "Dr Asha Rao" in page and "room B-12" in page
    assert '<dd data-testid="kiosk-position">2</dd>' in page
    token = Token.objects.select_related("slot", "doctor_day__doctor").get(pk=token.pk)
    assert token.status == TokenStatus.CHECKED_IN
    item = queue_item_for(token)  # what the desk and the status page say
    at = timezone.localtime(item.estimated_time)
    assert f"around {at:%H:%M} (about {item.estimated_wait_minutes} min)" in page


def test_history_says_it_was_a_self_check_in_with_no_actor(try_kiosk, token):
    try_kiosk(token.reference, "2345")
    event = token.events.get(kind=EventKind.CHECKED_IN)
    assert event.actor is None
    assert event.reason == SELF_CHECK_IN_REASON == "Self check-in at kiosk"


def test_a_signed_in_browser_at_the_kiosk_still_checks_in_as_nobody(
    client, try_kiosk, token, receptionist
):
    client.force_login(receptionist)
    try_kiosk(token.reference, "2345")
    assert token.events.get(kind=EventKind.CHECKED_IN).actor is None


def test_desk_history_shows_the_self_check_in(try_kiosk, token, desk_client):
    try_kiosk(token.reference, "2345")
    page = desk_client.get(reverse("desk:token", args=[token.reference])).content.decode()
    assert "Self check-in at kiosk" in page


def test_scanned_status_address_is_accepted(try_kiosk, token):
    response = try_kiosk(f"https://opd.example/status/{token.reference}/", "2345")
    assert "You are checked in" in response.content.decode()


def test_reference_typed_in_capitals_with_spaces_is_accepted(try_kiosk, token):
    typed = " ".join([token.reference[:6].upper(), token.reference[6:].upper()])
    response = try_kiosk(typed, " 23 45 ")
    assert "You are checked in" in response.content.decode()


def test_digits_typed_in_devanagari_are_accepted(try_kiosk, token):
    response = try_kiosk(token.reference, "२३४५")
    assert "You are checked in" in response.content.decode()


def test_patient_without_phone_uses_the_last_four_characters_of_the_mrn(try_kiosk, clinic):
    patient = factories.PatientFactory(phone="", phone_missing_reason=PhoneMissing.NO_PHONE)
    token = clinic.book(patient=patient)
    response = try_kiosk(token.reference, patient.mrn[-4:].lower())
    assert "You are checked in" in response.content.decode()


def test_success_page_resets_itself_for_the_next_patient(try_kiosk, token, kiosk_url):
    page = try_kiosk(token.reference, "2345").content.decode()
    assert f'<meta http-equiv="refresh" content="15;url={kiosk_url}">' in page
    assert "This screen clears itself in 15 seconds." in page


def test_digits_must_be_four_characters(try_kiosk, token):
    response = try_kiosk(token.reference, "12345")
    assert response.status_code == 400
    assert "Please type exactly 4 digits or characters." in response.content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_empty_form_is_refused_with_400(try_kiosk):
    assert try_kiosk("", "").status_code == 400
