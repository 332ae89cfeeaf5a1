"""The admin site: every model has a working page, the front desk can use it, others cannot."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opd_site import clock as opd_clock
from scheduling.models import (
    DoctorDay,
    EventKind,
    IdempotencyKey,
    Notification,
    Payment,
    Refund,
    Source,
    Token,
    TokenEvent,
    WaitingEntry,
)
from tests.factories import (
    DoctorLeaveFactory,
    DoctorScheduleFactory,
    PatientFactory,
    SlotFactory,
    TokenFactory,
    WaitingEntryFactory,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "doctors", "scheduling", "queueing"}
MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
    key=lambda model: model._meta.label,
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_everything(clock, admin_user):
    """A row of every model, so each list and change page renders something."""
    DoctorScheduleFactory()
    slot = SlotFactory()
    DoctorLeaveFactory(doctor=slot.doctor_day.doctor)
    token = TokenFactory(
        slot=slot, source=Source.PRIORITY, fee=Decimal("500.00"), payment_state="paid"
    )
    TokenFactory(slot=SlotFactory(doctor_day=slot.doctor_day, hour=10))
    WaitingEntryFactory(doctor_day=slot.doctor_day)
    now = opd_clock.now()
    Payment.objects.create(
        token=token, amount=token.fee, method="upi", reference="UPI-1", taken_at=now
    )
    TokenEvent.objects.create(
        token=token, doctor_day=token.doctor_day, kind=EventKind.BOOKED, to_slot=slot, at=now
    )
    Refund.objects.create(token=token, amount=Decimal("500.00"), requested_at=now)
    Notification.objects.create(
        patient=token.patient,
        token=token,
        channel=Notification.Channel.SMS,
        recipient=token.patient.phone,
        kind=EventKind.BOOKED,
        subject="Token booked",
        body="Your token is booked.",
        next_attempt_at=now,
        created_at=now,
    )
    IdempotencyKey.objects.create(
        user=admin_user,
        key="abc",
        request_hash="0" * 64,
        response_status=201,
        response_body={},
        created_at=now,
    )
    return token


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_model_has_a_list_and_a_change_page(client, admin_user, one_of_everything, model):
    client.force_login(admin_user)

    assert client.get(admin_url(model, "changelist")).status_code == 200
    row = model.objects.first()
    assert row is not None
    assert client.get(admin_url(model, "change", row.pk)).status_code == 200


def test_every_model_is_registered():
    from django.apps import apps

    models = {model for model in apps.get_models() if model._meta.app_label in OUR_APPS}
    assert models == set(MODELS)


def test_add_pages_render_for_the_models_people_may_add(client, admin_user):
    client.force_login(admin_user)

    for label in ("accounts.User", "accounts.Patient", "doctors.Doctor", "doctors.DoctorLeave"):
        model = next(model for model in MODELS if model._meta.label == label)
        assert client.get(admin_url(model, "add")).status_code == 200, label


def test_engine_rows_cannot_be_added_and_events_cannot_be_changed(client, admin_user, clock):
    client.force_login(admin_user)
    event = TokenEvent.objects.create(
        token=TokenFactory(), doctor_day=DoctorDay.objects.get(), kind="booked", at=clock.at
    )

    for model in (WaitingEntry, DoctorDay, TokenEvent):
        assert client.get(admin_url(model, "add")).status_code == 403, model.__name__
    page = client.get(admin_url(TokenEvent, "change", event.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(admin_url(TokenEvent, "delete", event.pk)).status_code == 403


def test_the_front_desk_uses_the_admin_for_its_models(client, receptionist, one_of_everything):
    client.force_login(receptionist)

    for model in (Token, WaitingEntry, TokenEvent):
        assert client.get(admin_url(model, "changelist")).status_code == 200
    page = client.get(admin_url(Token, "change", one_of_everything.pk))
    assert b'name="_save"' in page.content
    from accounts.models import User

    assert client.get(admin_url(User, "changelist")).status_code == 403


@pytest.mark.parametrize("role_user", ["doctor_user", "patient_user"])
def test_doctors_and_patients_are_sent_to_the_admin_login(client, request, role_user):
    client.force_login(request.getfixturevalue(role_user))

    response = client.get(admin_url(Token, "changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_token_is_found_by_its_printed_number(client, admin_user, clock):
    client.force_login(admin_user)
    token = TokenFactory()
    TokenFactory(slot=token.slot)
    printed = f"{token.doctor_day.doctor.token_prefix}-{token.number:03d}"

    response = client.get(admin_url(Token, "changelist"), {"q": printed})

    assert list(response.context["cl"].result_list) == [token]


def test_a_token_is_found_by_patient_phone(client, admin_user, clock):
    client.force_login(admin_user)
    token = TokenFactory(patient=PatientFactory(phone="+919812345678"))
    TokenFactory()

    response = client.get(admin_url(Token, "changelist"), {"q": "9812345678"})

    assert list(response.context["cl"].result_list) == [token]


@pytest.mark.parametrize("model", [Token, TokenEvent, WaitingEntry, Refund, Payment])
def test_list_pages_do_not_query_per_row(client, admin_user, clock, model):
    client.force_login(admin_user)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(admin_url(model, "changelist")).status_code == 200
        return len(captured)

    def add_rows(count: int) -> None:
        for _ in range(count):
            token = TokenFactory(source=Source.PRIORITY)
            TokenEvent.objects.create(
                token=token, doctor_day=token.doctor_day, kind="booked", at=clock.at
            )
            Refund.objects.create(token=token, amount=Decimal("1.00"), requested_at=clock.at)
            Payment.objects.create(
                token=token, amount=Decimal("1.00"), method="cash", taken_at=clock.at
            )
            WaitingEntryFactory(doctor_day=token.doctor_day)

    add_rows(2)
    few = queries_for_list()
    add_rows(5)

    assert queries_for_list() == few


def test_the_token_page_shows_the_payment_read_only(client, admin_user, one_of_everything):
    client.force_login(admin_user)

    page = client.get(admin_url(Token, "change", one_of_everything.pk)).content.decode()

    assert "Paid 500.00 (UPI, ref. UPI-1) online on" in page
    assert 'name="payment_state"' not in page
    assert 'name="fee"' not in page


def test_the_refund_amount_is_read_only(client, admin_user, one_of_everything):
    client.force_login(admin_user)
    refund = Refund.objects.get()

    page = client.get(admin_url(Refund, "change", refund.pk)).content.decode()

    assert 'name="amount"' not in page
    assert 'name="paid_by"' not in page
    assert "500.00" in page
