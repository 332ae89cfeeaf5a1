"""The kiosk's tests: Cardiology's kiosk at 09:10 and a way to try a reference and digits."""

import pytest
from django.urls import reverse

PHONE = "+919876512345"  # the digits the patient types: 2345


@pytest.fixture
def kiosk_url(clinic, morning):
    return reverse("kiosk:kiosk", args=[clinic.department.code])


@pytest.fixture
def token(clinic, morning):
    """A walk-in token of Cardiology, booked, for a patient with a phone ending in 2345."""
    return clinic.book(name="Meena Kumari", phone=PHONE)


@pytest.fixture
def try_kiosk(client, kiosk_url):
    """POST a reference (or a scanned address) and digits to the kiosk, from an address."""

    def post(reference: str, digits: str, *, address: str = "10.0.0.5", url=None, **fields):
        data = {"reference": reference, "digits": digits, **fields}
        return client.post(url or kiosk_url, data, REMOTE_ADDR=address)

    return post
