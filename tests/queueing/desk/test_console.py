"""The doctor's console: today's serving order, call next, complete, requeue, no-show."""

from datetime import timedelta

import pytest
from django.urls import reverse

from queueing.services import call_next, check_in
from scheduling.models import TokenStatus, WaitingEntry
from tests import factories
from tests.fixtures.clinic import Clinic, later

pytestmark = pytest.mark.django_db


def test_doctor_sees_their_serving_order(doctor_client, clinic, morning):
    first = clinic.book(name="Meena Kumari")
    clinic.book(name="Ravi Verma")
    check_in(token=first)
    page = doctor_client.get(reverse("desk:console")).content.decode()
    assert "Dr Asha Rao" in page
    assert page.index("Meena Kumari") < page.index("Ravi Verma")
    assert "Call next patient" in page
    assert "10.0</span> min rolling average" in page


def test_call_next_then_complete_updates_the_figures(doctor_client, clinic, morning):
    token = clinic.book()
    check_in(token=token)
    page = doctor_client.post(reverse("desk:console_call_next"), follow=True).content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.IN_CONSULTATION
    assert "Calling CARD1-001" in page
    later(morning, 6)
    page = doctor_client.post(
        reverse("desk:console_action", args=[token.reference, "complete"]), follow=True
    ).content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.COMPLETED
    assert '<span class="stat">1</span> completed today' in page
    assert '<span class="stat">6.0</span> min average today' in page
    assert '<span class="stat">9.2</span> min rolling average' in page  # 10 * 0.8 + 6 * 0.2


def test_requeue_puts_the_patient_back_behind_the_next(doctor_client, clinic, morning):
    first, second = clinic.book(), clinic.book()
    check_in(token=first)
    later(morning, 1)
    check_in(token=second)
    call_next(doctor=clinic.doctor)
    later(morning, 2)
    doctor_client.post(reverse("desk:console_action", args=[first.reference, "requeue"]))
    first.refresh_from_db()
    assert first.status == TokenStatus.CHECKED_IN
    doctor_client.post(reverse("desk:console_call_next"))
    second.refresh_from_db()
    assert second.status == TokenStatus.IN_CONSULTATION


def test_no_show_frees_the_seat_for_the_waiting_list(client, clock):
    clinic = Clinic(capacity=1)
    client.force_login(clinic.doctor.user)
    absent = clinic.book()
    clinic.book()
    clinic.book()
    waiting = clinic.book()
    clock.set(clinic.slots[0].start + timedelta(minutes=20))
    client.post(reverse("desk:console_action", args=[absent.reference, "no-show"]))
    absent.refresh_from_db()
    waiting.refresh_from_db()
    assert absent.status == TokenStatus.NO_SHOW
    assert waiting.status == WaitingEntry.Status.ALLOCATED


def test_empty_queue_says_so(doctor_client, clinic, morning):
    page = doctor_client.post(reverse("desk:console_call_next"), follow=True).content.decode()
    assert "No checked-in patient is waiting." in page


def test_a_doctor_cannot_act_on_another_doctors_token(client, clinic, morning):
    other = factories.DoctorFactory()
    client.force_login(other.user)
    token = clinic.book()
    check_in(token=token)
    response = client.post(reverse("desk:console_action", args=[token.reference, "call"]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN


def test_a_doctor_ignores_the_doctor_parameter(client, clinic, morning):
    other = factories.DoctorFactory(user__name="Vikram Shah")
    client.force_login(other.user)
    page = client.get(reverse("desk:console"), {"doctor": clinic.doctor.pk}).content.decode()
    assert "Dr Vikram Shah" in page
    assert "Dr Asha Rao" not in page


def test_staff_pick_a_doctor_and_call_for_them(desk_client, clinic, morning):
    token = clinic.book()
    check_in(token=token)
    picker = desk_client.get(reverse("desk:console")).content.decode()
    assert '<label for="id_doctor">' in picker and "Dr Asha Rao" in picker
    response = desk_client.post(reverse("desk:console_call_next"), {"doctor": clinic.doctor.pk})
    assert response["Location"] == f"{reverse('desk:console')}?doctor={clinic.doctor.pk}"
    token.refresh_from_db()
    assert token.status == TokenStatus.IN_CONSULTATION


def test_console_query_count_does_not_grow(
    doctor_client, clinic, morning, django_assert_max_num_queries
):
    check_in(token=clinic.book())
    with django_assert_max_num_queries(10) as few:
        doctor_client.get(reverse("desk:console"))
    for _ in range(10):
        check_in(token=clinic.book())
    call_next(doctor=clinic.doctor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        doctor_client.get(reverse("desk:console"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        doctor_client.get(reverse("desk:console_queue"))
