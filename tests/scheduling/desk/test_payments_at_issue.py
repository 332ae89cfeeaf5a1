"""The desk takes the fee when it issues a token (or marks it to pay later), and reads the day's
collection: per desk user and method, refunds paid, net."""

from decimal import Decimal

import pytest
from django.urls import reverse

from scheduling.models import Payment, PaymentState
from scheduling.services.payments import take_payment
from tests import factories

pytestmark = pytest.mark.django_db


def issue(client, patient, doctor, source, **payment):
    return client.post(
        reverse("desk:issue", args=[patient.pk]),
        {"doctor": doctor.pk, "source": source, "reason": "", **payment},
        follow=True,
    )


def test_the_confirm_page_shows_the_fee_and_how_it_is_paid(desk_client, clinic):
    patient = factories.PatientFactory()

    page = desk_client.get(
        reverse("desk:issue", args=[patient.pk]), {"doctor": clinic.doctor.pk, "source": "priority"}
    ).content.decode()

    assert '<dd data-testid="issue-fee">500.00</dd>' in page
    for method in ('value="cash"', 'value="upi"', 'value="card"', 'value="later"'):
        assert method in page
    assert 'name="payment_reference"' in page


def test_an_emergency_is_issued_with_no_fee_to_take(desk_client, clinic):
    page = desk_client.get(
        reverse("desk:issue", args=[factories.PatientFactory().pk]),
        {"doctor": clinic.doctor.pk, "source": "emergency"},
    ).content.decode()

    assert '<dd data-testid="issue-fee">No fee</dd>' in page
    assert 'name="payment_method"' not in page


def test_priority_issued_with_cash_is_paid_and_the_slip_says_so(desk_client, clinic, receptionist):
    patient = factories.PatientFactory()

    response = issue(
        desk_client,
        patient,
        clinic.doctor,
        "priority",
        payment_method="cash",
        payment_reference="R-0142",
    )

    token = patient.tokens.get()
    assert token.payment_state == PaymentState.PAID
    payment = Payment.objects.get(token=token)
    assert (payment.amount, payment.method, payment.reference, payment.taken_by) == (
        Decimal("500.00"),
        "cash",
        "R-0142",
        receptionist,
    )
    page = response.content.decode()
    assert "Token CARD1-001 issued. Seated in the requested slot. Paid 500.00 by Cash." in page
    assert "Paid 500.00 (Cash, ref. R-0142)" in page.split('data-testid="slip-payment"')[1]


def test_pay_later_leaves_the_fee_owed_on_the_slip(desk_client, clinic):
    patient = factories.PatientFactory()

    response = issue(desk_client, patient, clinic.doctor, "priority", payment_method="later")

    token = patient.tokens.get()
    assert token.payment_state == PaymentState.UNPAID
    assert not Payment.objects.exists()
    page = response.content.decode()
    assert "500.00 to pay: the fee shows as owed until the desk takes it." in page
    assert "500.00 owed" in page.split('data-testid="slip-payment"')[1]


# The day's collection ------------------------------------------------------------------------


def _paid_walk_in(clinic, desk, method):
    token = clinic.book(patient=factories.PatientFactory())
    return take_payment(token=token, amount=token.fee, method=method, actor=desk)


def test_a_receptionist_reads_their_own_collection(desk_client, clinic, receptionist):
    other = factories.UserFactory(role="receptionist", name="Zoya Desk")
    _paid_walk_in(clinic, receptionist, "cash")
    _paid_walk_in(clinic, receptionist, "upi")
    _paid_walk_in(clinic, other, "card")

    page = desk_client.get(reverse("desk:collection")).content.decode()

    rows = page.split('data-testid="desk-row"')[1:]
    assert len(rows) == 1
    assert receptionist.name in rows[0]
    assert "300.00 <small>(1)</small>" in rows[0]  # cash, and UPI
    assert "<strong>600.00</strong>" in rows[0]
    assert "Zoya Desk" not in page
    assert 'name="taken_by"' not in page


def test_an_administrator_reads_every_desk_and_can_pick_one(client, admin_user, clinic):
    desk = factories.UserFactory(role="receptionist", name="Rita Desk")
    other = factories.UserFactory(role="receptionist", name="Zoya Desk")
    _paid_walk_in(clinic, desk, "cash")
    _paid_walk_in(clinic, other, "card")
    client.force_login(admin_user)

    everyone = client.get(reverse("desk:collection")).content.decode()
    one = client.get(reverse("desk:collection"), {"taken_by": other.pk}).content.decode()

    assert "Rita Desk" in everyone and "Zoya Desk" in everyone
    assert "<strong>600.00</strong>" in everyone.split('data-testid="total-row"')[1]
    assert "Rita Desk</th>" not in one
    assert "Zoya Desk" in one


def test_the_desk_navigation_links_the_collection(desk_client, clinic):
    page = desk_client.get(reverse("desk:overview")).content.decode()

    assert f'href="{reverse("desk:collection")}"' in page
