"""The doctor says "running late" from the console: the delay is recorded for their own day
(never another doctor's), estimates shift, and the console shows it."""

import pytest
from django.urls import reverse

from scheduling.models import DoctorDay, Token
from scheduling.services.slips import record_slip_printed
from tests import factories

pytestmark = pytest.mark.django_db

LATE = reverse("desk:console_running_late")


def delay_of(doctor) -> int:
    return DoctorDay.objects.get(doctor=doctor).delay_minutes


def test_the_doctor_says_they_run_twenty_minutes_late(doctor_client, clinic, morning):
    token = clinic.book()
    record_slip_printed(token=token)

    response = doctor_client.post(LATE, {"minutes": 20, "reason": "Ward round"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("desk:console")
    page = response.content.decode()
    assert "Running 20 minutes late: estimated times have moved." in page
    assert "Running 20 minutes late</span> since 09:10: Ward round" in page
    day = DoctorDay.objects.get(doctor=clinic.doctor)
    assert (day.delay_minutes, day.delay_reason) == (20, "Ward round")
    assert Token.objects.get(pk=token.pk).reprint_needed


def test_the_console_shows_the_control_and_the_delay_state(doctor_client, clinic, morning):
    page = doctor_client.get(reverse("desk:console")).content.decode()
    assert "On time: no delay recorded today." in page
    assert '<label for="id_late_minutes">Minutes late</label>' in page
    assert f'action="{LATE}"' in page

    doctor_client.post(LATE, {"minutes": 15})
    page = doctor_client.get(reverse("desk:console")).content.decode()
    assert "Running 15 minutes late" in page
    assert "Back on time" in page


def test_zero_minutes_clears_the_delay(doctor_client, clinic, morning):
    doctor_client.post(LATE, {"minutes": 30})

    page = doctor_client.post(LATE, {"minutes": 0}, follow=True).content.decode()

    assert delay_of(clinic.doctor) == 0
    assert "Delay cleared: estimated times are back on schedule." in page


def test_a_doctor_cannot_record_a_delay_for_another_doctors_day(client, clinic, morning):
    other = factories.DoctorFactory(user__name="Vikram Shah")
    client.force_login(other.user)

    response = client.post(LATE, {"minutes": 20, "doctor": clinic.doctor.pk})

    assert response.status_code == 403
    assert not DoctorDay.objects.filter(doctor=clinic.doctor, delay_minutes__gt=0).exists()


def test_bad_minutes_are_refused_with_a_message(doctor_client, clinic, morning):
    for minutes in ("-5", "lots", "721", ""):
        page = doctor_client.post(LATE, {"minutes": minutes}, follow=True).content.decode()
        assert "Give the minutes late as a whole number from 0 to 720." in page
    assert delay_of(clinic.doctor) == 0


def test_the_front_desk_records_a_delay_for_the_doctor_it_picked(desk_client, clinic, morning):
    response = desk_client.post(LATE, {"minutes": 10, "doctor": clinic.doctor.pk})

    assert response["Location"] == f"{reverse('desk:console')}?doctor={clinic.doctor.pk}"
    assert delay_of(clinic.doctor) == 10


def test_patients_may_not_record_a_delay(client, clinic, patient_user, morning):
    client.force_login(patient_user)
    assert client.post(LATE, {"minutes": 10, "doctor": clinic.doctor.pk}).status_code == 403
    assert client.get(LATE).status_code in (403, 405)
