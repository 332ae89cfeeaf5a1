"""The kiosk's refusals: one answer for an unknown reference and wrong digits; the service's
refusals only once the digits matched; nothing checked in."""

import re
from datetime import timedelta

import pytest

from opd_site import clock as opd_clock
from queueing.services import call_next, check_in, complete
from scheduling.errors import IllegalTransition
from scheduling.models import Source, TokenStatus
from scheduling.services.cancellation import cancel_token
from scheduling.services.no_show import mark_no_show
from scheduling.services.requests import request_token
from tests import factories
from tests.scheduling.helpers import make_day

pytestmark = pytest.mark.django_db

NOT_FOUND = "We could not find that token with those digits."


def refusal(response) -> str:
    found = re.search(r'data-testid="kiosk-refusal">\s*<p>(.*?)</p>', response.content.decode())
    return found.group(1) if found else ""


def without_csrf(response) -> str:
    return re.sub(r'value="[^"]{40,}"', "", response.content.decode())


def test_unknown_reference_and_wrong_digits_get_the_same_answer(try_kiosk, token):
    unknown = try_kiosk("zzzzzzzzzzzz", "2345")
    wrong = try_kiosk("yyyyyyyyyyyy", "2345")
    assert unknown.status_code == wrong.status_code == 400
    assert NOT_FOUND in refusal(unknown)
    wrong_digits = try_kiosk(token.reference, "9999")
    assert wrong_digits.status_code == 400
    assert refusal(wrong_digits) == refusal(unknown)
    page = without_csrf(wrong_digits).replace(token.reference, "zzzzzzzzzzzz")
    assert page == without_csrf(unknown)
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_nonsense_in_the_reference_field_gets_the_same_answer(try_kiosk):
    response = try_kiosk("https://example.com/not-a-slip", "2345")
    assert response.status_code == 400
    assert NOT_FOUND in refusal(response)


def test_refusal_page_clears_itself(try_kiosk, kiosk_url):
    page = try_kiosk("zzzzzzzzzzzz", "2345").content.decode()
    assert f'http-equiv="refresh" content="45;url={kiosk_url}"' in page


def test_already_checked_in_is_said_only_after_the_digits_matched(try_kiosk, token):
    check_in(token=token)
    wrong = try_kiosk(token.reference, "9999")
    assert NOT_FOUND in refusal(wrong)
    assert "already checked in" not in wrong.content.decode()
    right = try_kiosk(token.reference, "2345")
    assert right.status_code == 409
    assert "You are already checked in." in refusal(right)


def test_patient_in_consultation_is_already_checked_in(try_kiosk, token, clinic):
    check_in(token=token)
    call_next(doctor=clinic.doctor)
    assert "You are already checked in." in refusal(try_kiosk(token.reference, "2345"))


def test_completed_token_is_refused(try_kiosk, token, clinic):
    check_in(token=token)
    call_next(doctor=clinic.doctor)
    complete(token=token)
    response = try_kiosk(token.reference, "2345")
    assert response.status_code == 409
    assert "consultation is already over" in refusal(response)


def test_cancelled_token_is_refused(try_kiosk, token, receptionist):
    cancel_token(token=token, actor=receptionist)
    response = try_kiosk(token.reference, "2345")
    assert response.status_code == 409
    assert "This token was cancelled. Please ask at the desk." in refusal(response)
    token.refresh_from_db()
    assert token.status == TokenStatus.CANCELLED


def test_no_show_token_is_refused(try_kiosk, token, morning):
    morning.set(morning.at + timedelta(minutes=30))
    mark_no_show(token=token)
    response = try_kiosk(token.reference, "2345")
    assert response.status_code == 409
    assert "marked as missed" in refusal(response)


def test_token_of_an_earlier_day_is_refused(try_kiosk, token, morning):
    morning.set(morning.at + timedelta(days=1))
    response = try_kiosk(token.reference, "2345")
    assert response.status_code == 409
    assert "This token was for Monday 2 March 2026. Please ask at the desk." in refusal(response)
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_token_of_a_later_day_is_refused(try_kiosk, clinic):
    tomorrow = opd_clock.today() + timedelta(days=1)
    make_day(doctor=clinic.doctor, on=tomorrow)
    patient = factories.PatientFactory(phone="+919800002222")
    token = request_token(
        doctor=clinic.doctor, day=tomorrow, source=Source.ONLINE, patient=patient
    ).token
    response = try_kiosk(token.reference, "2222")
    assert response.status_code == 409
    assert "This token is for Tuesday 3 March 2026. Please come to check in on that day." in (
        refusal(response)
    )
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_token_of_another_department_is_refused(try_kiosk, clinic, morning):
    doctor = factories.DoctorFactory(department__name="Dermatology", department__code="DERM")
    make_day(doctor=doctor)
    patient = factories.PatientFactory(phone="+919800001111")
    token = request_token(
        doctor=doctor, day=opd_clock.today(), source=Source.WALK_IN, patient=patient
    ).token
    wrong = try_kiosk(token.reference, "0000")
    assert NOT_FOUND in refusal(wrong)
    response = try_kiosk(token.reference, "1111")
    assert response.status_code == 409
    assert "This token is for Dermatology." in refusal(response)
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_refusal_does_not_keep_the_reference_once_the_digits_matched(try_kiosk, token):
    check_in(token=token)
    page = try_kiosk(token.reference, "2345").content.decode()
    assert token.reference not in page


def test_any_other_refusal_of_the_service_is_shown_as_it_says(try_kiosk, token, monkeypatch):
    def refuse(**kwargs):
        raise IllegalTransition("Check-in opens 60 minutes before your slot.")

    monkeypatch.setattr("queueing.kiosk.views.check_in", refuse)
    response = try_kiosk(token.reference, "2345")
    assert response.status_code == 409
    assert refusal(response) == "Check-in opens 60 minutes before your slot."
