"""A walk-in at the desk: the confirm page defaults to cash and to checking the patient in, and
"Confirm and print" issues, takes the fee, checks in and opens the slip to print."""

import pytest
from django.urls import reverse

from scheduling.models import PaymentState, Token, TokenStatus
from tests import factories

pytestmark = pytest.mark.django_db


def confirm_page(client, clinic, patient, source):
    return client.get(
        reverse("desk:issue", args=[patient.pk]), {"doctor": clinic.doctor.pk, "source": source}
    ).content.decode()


def test_a_walk_in_confirm_page_defaults_to_cash_and_checking_in(desk_client, clinic):
    patient = factories.PatientFactory()
    page = confirm_page(desk_client, clinic, patient, "walk_in")

    assert 'value="cash" required checked' in page
    assert 'name="check_in_now" value="1" checked' in page
    assert reverse("desk:issue_check_in", args=[patient.pk]) in page


def test_a_priority_token_asks_how_it_is_paid_and_does_not_check_in(desk_client, clinic):
    page = confirm_page(desk_client, clinic, factories.PatientFactory(), "priority")

    assert "checked" not in page.split('name="payment_method"')[1].split(">")[0]
    assert 'name="check_in_now" value="1">' in page


def test_confirm_and_print_issues_pays_checks_in_and_prints(desk_client, clinic):
    patient = factories.PatientFactory()

    response = desk_client.post(
        reverse("desk:issue_check_in", args=[patient.pk]),
        {
            "doctor": clinic.doctor.pk,
            "source": "walk_in",
            "payment_method": "cash",
            "check_in_now": "1",
        },
    )

    token = Token.objects.get(patient=patient)
    assert response["Location"] == reverse("desk:slip", args=[token.reference]) + "?print=1"
    assert token.status == TokenStatus.CHECKED_IN
    assert token.payment_state == PaymentState.PAID


def test_unticked_the_token_stays_booked(desk_client, clinic):
    patient = factories.PatientFactory()

    desk_client.post(
        reverse("desk:issue_check_in", args=[patient.pk]),
        {"doctor": clinic.doctor.pk, "source": "walk_in", "payment_method": "later"},
    )

    assert Token.objects.get(patient=patient).status == TokenStatus.BOOKED
