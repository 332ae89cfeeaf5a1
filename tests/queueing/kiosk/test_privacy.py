"""The kiosk needs no sign-in, takes only POSTs with a CSRF token and shows nobody else's data."""

import pytest
from django.test import Client

from queueing.kiosk import limits
from queueing.services import check_in
from tests.queueing.kiosk.conftest import PHONE

pytestmark = pytest.mark.django_db

OTHERS = ("Ravi Verma", "Sunita Devi")


@pytest.fixture
def others(clinic, morning):
    tokens = [clinic.book(name=name, phone=f"+91981234000{i}") for i, name in enumerate(OTHERS)]
    check_in(token=tokens[0])
    return tokens


def assert_nobody_shown(page: str, others, *also: str) -> None:
    for name in (*OTHERS, *also):
        assert name not in page
    for token in others:
        assert token.reference not in page
        assert token.patient.mrn not in page
        assert token.patient.phone not in page


def test_no_other_patient_on_any_kiosk_page(client, kiosk_url, try_kiosk, token, others):
    pages = [
        client.get(kiosk_url),
        try_kiosk("zzzzzzzzzzzz", "1234"),  # unknown
        try_kiosk(token.reference, "9999"),  # wrong digits
        try_kiosk(token.reference, "2345"),  # checked in
        try_kiosk(token.reference, "2345"),  # already checked in
    ]
    for _ in range(limits.WRONG_TRIES_PER_REFERENCE):
        try_kiosk("yyyyyyyyyyyy", "1234")
    pages.append(try_kiosk("yyyyyyyyyyyy", "1234"))  # locked
    assert [page.status_code for page in pages] == [200, 400, 400, 200, 409, 429]
    for page in pages:
        # Not even the patient's own name, phone or MRN: a kiosk screen is seen by others.
        assert_nobody_shown(page.content.decode(), others, "Meena Kumari", PHONE, token.patient.mrn)


def test_kiosk_needs_no_sign_in(client, kiosk_url):
    assert client.get(kiosk_url).status_code == 200


def test_post_without_the_csrf_token_is_refused(kiosk_url, token):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(kiosk_url, {"reference": token.reference, "digits": "2345"})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.status == "booked"


def test_post_with_the_pages_csrf_token_is_accepted(kiosk_url, token):
    browser = Client(enforce_csrf_checks=True)
    browser.get(kiosk_url)
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        kiosk_url, {"reference": token.reference, "digits": "2345", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 200
    assert "You are checked in" in response.content.decode()


def test_kiosk_pages_may_use_the_camera_but_are_not_cached(client, kiosk_url):
    response = client.get(kiosk_url)
    assert response["Permissions-Policy"].startswith("camera=(self)")
    assert response["Cache-Control"] == "no-store"
