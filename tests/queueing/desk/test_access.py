"""Who may open which page: the desk is staff-only, the console is for doctors, the board and
status pages are public."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DESK_PAGES = ["desk:overview", "desk:patient_search"]


@pytest.mark.parametrize("name", [*DESK_PAGES, "desk:console"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, clinic, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/?next=")


def test_token_pages_need_a_login(client, clinic):
    token = clinic.book()
    for name in ("desk:token", "desk:slip"):
        response = client.get(reverse(name, args=[token.reference]))
        assert response.status_code == 302
        assert "/desk/login/" in response["Location"]


@pytest.mark.parametrize("name", DESK_PAGES)
def test_patients_and_doctors_are_refused_the_desk(client, clinic, patient_user, name):
    client.force_login(patient_user)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(clinic.doctor.user)
    assert client.get(reverse(name)).status_code == 403


def test_a_patient_cannot_open_the_console(client, clinic, patient_user):
    client.force_login(patient_user)
    assert client.get(reverse("desk:console")).status_code == 403


def test_a_patient_cannot_issue_tokens_by_posting(client, clinic, patient_user):
    client.force_login(patient_user)
    response = client.post(
        reverse("desk:issue", args=[patient_user.patient.pk]),
        {"doctor": clinic.doctor.pk, "source": "walk_in"},
    )
    assert response.status_code == 403
    assert not patient_user.patient.tokens.exists()


def test_the_board_and_status_page_are_public(client, clinic):
    token = clinic.book()
    assert client.get(reverse("board:board", args=["card"])).status_code == 200
    assert client.get(reverse("board:board_rows", args=["CARD"])).status_code == 200
    assert client.get(reverse("board:status", args=[token.reference])).status_code == 200
    assert client.get(reverse("board:status_card", args=[token.reference])).status_code == 200


def test_unknown_department_and_reference_are_not_found(client, clinic):
    assert client.get(reverse("board:board", args=["NOPE"])).status_code == 404
    assert client.get(reverse("board:status", args=["abcdefghjkmn"])).status_code == 404


def test_receptionist_signs_in_and_lands_on_the_desk(client, clinic, receptionist):
    page = client.get(reverse("desk:login"))
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content
    response = client.post(
        reverse("desk:login"), {"username": receptionist.email, "password": "test-password-123"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_doctor_signs_in_and_lands_on_the_console(client, clinic):
    response = client.post(
        reverse("desk:login"),
        {"username": clinic.doctor.user.email, "password": "test-password-123"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:console")


def test_wrong_password_is_refused_with_a_message(client, receptionist):
    response = client.post(
        reverse("desk:login"), {"username": receptionist.email, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert b'role="alert"' in response.content


def test_pages_carry_the_security_headers(desk_client, clinic):
    response = desk_client.get(reverse("desk:overview"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert b"/static/vendor/htmx.min.js" in response.content


def test_the_site_root_leads_to_the_front_desk(client, receptionist):
    client.force_login(receptionist)
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1] == ("/desk/", 302)
    assert response.status_code == 200
