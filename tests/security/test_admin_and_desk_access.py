"""The admin site and the desk pages are for staff only; five wrong passwords lock a login."""

import pytest
from django.test import Client

from scheduling.models import TokenEvent
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get("/admin/scheduling/token/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("who", ["patient_user", "doctor_user"])
def test_signed_in_non_staff_cannot_use_the_admin(request, who):
    client = Client()
    client.force_login(request.getfixturevalue(who))

    response = client.get("/admin/accounts/patient/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_front_desk_reaches_the_admin(receptionist):
    client = Client()
    client.force_login(receptionist)

    assert client.get("/admin/").status_code == 200


def test_desk_pages_need_a_front_desk_login(client, patient_user):
    assert client.get("/desk/patients/").status_code == 302
    client.force_login(patient_user)
    assert client.get("/desk/patients/").status_code == 403


def admin_login(client, email, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password},
        REMOTE_ADDR="10.1.2.3",
    )


def test_five_wrong_admin_passwords_lock_the_account_even_against_the_right_one(admin_user):
    client = Client()
    for _ in range(4):
        assert admin_login(client, admin_user.email, "wrong-password").status_code == 200

    locked = admin_login(client, admin_user.email, "wrong-password")
    after = admin_login(client, admin_user.email, PASSWORD)

    assert locked.status_code == 429
    assert after.status_code == 429
    assert "Too many failed sign-in attempts" in after.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_then_the_right_one_signs_in(admin_user):
    client = Client()
    for _ in range(4):
        admin_login(client, admin_user.email, "wrong-password")

    response = admin_login(client, admin_user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_the_event_log_is_read_only_in_the_admin_even_for_a_superuser(admin_client_for_log):
    client, event = admin_client_for_log
    change_url = f"/admin/scheduling/tokenevent/{event.pk}/change/"

    page = client.get(change_url)
    edit = client.post(change_url, {"reason": "rewritten"})
    delete = client.post(f"/admin/scheduling/tokenevent/{event.pk}/delete/", {"post": "yes"})
    add = client.get("/admin/scheduling/tokenevent/add/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert edit.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    event.refresh_from_db()
    assert event.reason != "rewritten"
    assert TokenEvent.objects.filter(pk=event.pk).exists()


@pytest.fixture
def admin_client_for_log(admin_user, clock):
    from scheduling.events import record_event
    from scheduling.locking import doctor_day_locked

    token = factories.TokenFactory()
    with doctor_day_locked(doctor_id=token.doctor_day.doctor_id, day=token.doctor_day.date) as day:
        event = record_event(
            kind="booked", doctor_day=day, token=token, reason="Booked at the desk"
        )
    client = Client()
    client.force_login(admin_user)
    return client, event
