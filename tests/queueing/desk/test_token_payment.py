"""The token page at check-in: what is owed, and the form that takes it (or, for an
administrator, waives it)."""

import pytest
from django.urls import reverse

from scheduling.models import Payment, PaymentState, Source, TokenStatus
from tests import factories

pytestmark = pytest.mark.django_db


def token_page(client, token) -> str:
    return client.get(reverse("desk:token", args=[token.reference])).content.decode()


def take(client, token, **form):
    return client.post(reverse("desk:token_payment", args=[token.reference]), form, follow=True)


def test_a_priority_token_shows_its_fee_as_owed_until_paid(desk_client, clinic):
    token = clinic.book(source=Source.PRIORITY)

    page = token_page(desk_client, token)

    assert '<span class="owed" data-testid="owed">500.00 owed</span>' in page
    assert '<input type="hidden" name="amount" value="500.00">' in page
    assert "Take 500.00" in page


def test_taking_payment_at_check_in(desk_client, clinic, morning, receptionist):
    token = clinic.book()

    response = take(desk_client, token, amount="300.00", method="upi", reference="UPI-99")
    desk_client.post(reverse("desk:token_action", args=[token.reference, "check-in"]))

    token.refresh_from_db()
    assert (token.payment_state, token.status) == (PaymentState.PAID, TokenStatus.CHECKED_IN)
    payment = Payment.objects.get(token=token)
    assert (payment.method, payment.reference, payment.taken_by) == ("upi", "UPI-99", receptionist)
    page = response.content.decode()
    assert f"{token.display_number}: 300.00 taken by UPI." in page
    assert "Paid 300.00 (UPI, ref. UPI-99)" in page.split('data-testid="payment-state"')[1]
    assert 'data-testid="owed"' not in page
    slip = desk_client.get(reverse("desk:slip", args=[token.reference])).content.decode()
    assert "Paid 300.00 (UPI, ref. UPI-99)" in slip.split('data-testid="slip-payment"')[1]


def test_a_page_left_open_after_the_fee_changed_takes_nothing(desk_client, clinic):
    token = clinic.book()

    page = take(desk_client, token, amount="200.00", method="cash").content.decode()

    assert "Not done:" in page
    assert "The amount owed for CARD1-001 is 300.00; take exactly that." in page
    assert not Payment.objects.exists()


def test_a_paid_token_offers_no_payment_form(desk_client, clinic):
    token = clinic.book()
    take(desk_client, token, amount="300.00", method="cash")

    page = take(desk_client, token, amount="300.00", method="cash").content.decode()

    assert "Nothing is owed: the fee is paid." in page
    assert "Take 300.00" not in page
    assert Payment.objects.count() == 1


def test_only_an_administrator_is_offered_the_waiver(client, desk_client, clinic, admin_user):
    token = clinic.book()
    assert "Waive the fee" not in token_page(desk_client, token)
    refused = desk_client.post(
        reverse("desk:token_waive", args=[token.reference]), {"reason": "Kind"}, follow=True
    ).content.decode()
    assert "Only an administrator may waive a fee." in refused

    client.force_login(admin_user)
    assert "Waive the fee" in token_page(client, token)
    page = client.post(
        reverse("desk:token_waive", args=[token.reference]), {"reason": "Staff family"}, follow=True
    ).content.decode()

    token.refresh_from_db()
    assert token.payment_state == PaymentState.WAIVED
    assert "Waived by Hospital Administrator: Staff family" in page


def test_a_patient_cannot_take_a_payment_at_the_desk(client, clinic):
    token = clinic.book()
    client.force_login(factories.UserFactory(role="patient"))

    response = take(client, token, amount="300.00", method="cash")

    assert response.status_code == 403
    assert not Payment.objects.exists()
