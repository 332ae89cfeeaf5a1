"""Each person starts on their own page: a doctor on their console, the front desk on the day's
overview, whether they open the site's root or the sign-in page."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in_from(client, start: str, email: str):
    """Open ``start`` signed out, sign in on the page it leads to, follow where that goes."""
    login = client.get(start, follow=True)
    assert login.request["PATH_INFO"] == reverse("desk:login")
    form_url = f"{login.request['PATH_INFO']}?{login.request['QUERY_STRING']}"  # keeps ?next=
    return client.post(form_url, {"username": email, "password": PASSWORD}, follow=True)


def test_a_doctor_signing_in_at_the_site_root_lands_on_their_console(client, clinic):
    response = sign_in_from(client, "/", clinic.doctor.user.email)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("desk:console")
    assert "Call next patient" in response.content.decode()
    assert "Dr Asha Rao" in response.content.decode()


def test_a_receptionist_signing_in_at_the_site_root_lands_on_the_overview(
    client, clinic, receptionist
):
    response = sign_in_from(client, "/", receptionist.email)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("desk:overview")


def test_a_doctor_signing_in_at_the_login_page_lands_on_their_console(client, clinic):
    response = client.post(
        reverse("desk:login"),
        {"username": clinic.doctor.user.email, "password": PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("desk:console")
    assert "Call next patient" in response.content.decode()


def test_a_signed_in_doctor_opening_the_site_root_gets_the_console(doctor_client):
    response = doctor_client.get("/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("desk:console")


def test_the_header_links_each_person_to_their_own_start_page(doctor_client):
    page = doctor_client.get(reverse("desk:console")).content.decode()
    assert f'<a class="brand" href="{reverse("desk:home")}">' in page
