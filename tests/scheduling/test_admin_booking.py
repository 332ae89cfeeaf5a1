"""Booking in the admin: "Add token" is a booking form that asks the engine's one booking
service, and the page says where the request landed (seated, moved, whom it bumped, or the
waiting list and position). Refusals are form errors and write nothing; the sources offered are
the ones the permission matrix lets the role book; a doctor never reaches the form. The patient
list's "Book a token" action opens the same form for the chosen patient."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import roles
from accounts.models import Role
from accounts.roles import Act
from scheduling.models import (
    Payment,
    PaymentState,
    Source,
    Token,
    TokenEvent,
    WaitingEntry,
)
from scheduling.services.cancellation import cancel_token
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db

ADD = reverse("admin:scheduling_token_add")


def book(client, clinic, patient, source="walk_in", **fields):
    """Submit the booking form and follow to the page that says what happened."""
    data = {
        "patient": patient.pk,
        "doctor": clinic.doctor.pk,
        "date": clinic.doctor_day.date.isoformat(),
        "source": source,
        "slot": "",
        "reason": "",
        "payment_method": "later",
        "payment_reference": "",
        **fields,
    }
    return client.post(ADD, data, follow=True)


def said(page) -> str:
    return " ".join(str(message) for message in page.context["messages"])


def written() -> tuple[int, int, int, int]:
    """What a booking would write: tokens, waiting entries, events, payments."""
    return (
        Token.objects.count(),
        WaitingEntry.objects.count(),
        TokenEvent.objects.count(),
        Payment.objects.count(),
    )


def fill_first_slot(clinic) -> list[Token]:
    """Walk-ins until the first slot has no seat a walk-in may take; the tokens seated in it."""
    seated = []
    while (token := clinic.book()).slot == clinic.slots[0]:
        seated.append(token)
    cancel_token(token=token, actor=None, reason="Seated past the first slot")
    return seated


@pytest.fixture
def admin_desk(client, receptionist):
    client.force_login(receptionist)
    return client


def test_add_token_opens_the_booking_form(admin_desk, clinic):
    page = admin_desk.get(ADD)

    assert page.status_code == 200
    html = page.content.decode()
    for name in ("patient", "doctor", "date", "source", "slot", "reason", "payment_method"):
        assert f'name="{name}"' in html
    assert "admin-autocomplete" in html  # the patient is found by searching


def test_the_changelist_add_button_leads_to_the_booking_form(admin_desk, clinic):
    page = admin_desk.get(reverse("admin:scheduling_token_changelist")).content.decode()

    assert f'href="{ADD}"' in page


def test_a_walk_in_booked_in_the_admin_is_seated_by_the_engine(admin_desk, clinic, receptionist):
    patient = factories.PatientFactory()

    page = book(admin_desk, clinic, patient, reason="Chest pain")

    token = Token.objects.get(patient=patient)
    assert token.slot == clinic.slots[0]
    assert token.source == Source.WALK_IN
    assert token.reason == "Chest pain"
    assert page.redirect_chain[-1][0] == reverse(
        "admin:scheduling_token_booked", args=[token.reference]
    )
    assert f"Token {token.display_number} seated in Mon 02 Mar 09:00-10:00." in said(page)
    html = page.content.decode()
    assert reverse("desk:slip", args=[token.reference]) in html
    assert reverse("desk:token", args=[token.reference]) in html
    assert TokenEvent.objects.filter(token=token, kind="booked", actor=receptionist).exists()


def test_a_priority_token_bumps_a_walk_in_and_the_page_names_it(admin_desk, clock):
    clinic = Clinic(capacity=2)
    *_, walk_in = fill_first_slot(clinic)
    patient = factories.PatientFactory()

    page = book(
        admin_desk,
        clinic,
        patient,
        "priority",
        payment_method="cash",
        payment_reference="R-77",
    )

    token = Token.objects.get(patient=patient)
    walk_in.refresh_from_db()
    assert token.slot == clinic.slots[0]
    assert token.payment_state == PaymentState.PAID
    assert walk_in.slot == clinic.slots[1]
    message = said(page)
    assert f"Token {token.display_number} seated in Mon 02 Mar 09:00-10:00." in message
    assert (
        f"Bumped token {walk_in.display_number} to make room: now in Mon 02 Mar 10:00-11:00."
        in message
    )
    assert "Paid 500.00 by Cash." in message


def test_a_full_slot_moves_the_request_to_a_later_slot(admin_desk, clock):
    clinic = Clinic(capacity=2)
    fill_first_slot(clinic)
    patient = factories.PatientFactory()

    page = book(admin_desk, clinic, patient)

    token = Token.objects.get(patient=patient)
    assert token.slot == clinic.slots[1]
    assert "moved to a later slot, seated in Mon 02 Mar 10:00-11:00" in said(page)


def test_with_no_seat_left_the_request_is_waitlisted_with_its_position(admin_desk, clock):
    clinic = Clinic(capacity=2)
    while isinstance(clinic.book(), Token):
        pass  # until the day is full and one patient waits
    second = factories.PatientFactory()

    page = book(admin_desk, clinic, second)

    entry = WaitingEntry.objects.get(patient=second)
    assert not Token.objects.filter(patient=second).exists()
    assert "waitlisted at position 2" in said(page)
    html = page.content.decode()
    assert "Waiting list, position 2" in html
    assert reverse("admin:scheduling_waitingentry_change", args=[entry.pk]) in html


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"date": "2026-03-03"}, "date", "Walk-in tokens are issued for today only."),
        ({"source": "follow_up"}, "source", "A follow-up needs a consultation with"),
        ({"source": "emergency", "payment_method": "cash"}, "payment_method", "no fee"),
    ],
    ids=["walk-in-tomorrow", "follow-up-not-eligible", "paid-emergency"],
)
def test_a_refusal_is_a_form_error_and_writes_nothing(admin_desk, clinic, fields, field, error):
    patient = factories.PatientFactory()
    before = written()

    page = book(admin_desk, clinic, patient, **fields)

    assert page.status_code == 200
    assert page.redirect_chain == []
    assert error in " ".join(page.context["form"].errors[field])
    assert "Not booked: please correct the errors below." in page.content.decode()
    assert written() == before


def test_a_second_booking_for_the_same_day_is_refused_and_names_the_first(admin_desk, clinic):
    patient = factories.PatientFactory()
    clinic.book(patient=patient)
    before = written()

    page = book(admin_desk, clinic, patient)

    assert "already holds a token" in " ".join(page.context["form"].errors["patient"])
    assert written() == before


def test_a_slot_of_another_day_is_refused_in_the_form(admin_desk, clinic):
    tomorrow = clinic.doctor_day.date + timedelta(days=1)
    other_day = factories.SlotFactory(doctor_day__doctor=clinic.doctor, doctor_day__date=tomorrow)
    before = written()

    page = book(admin_desk, clinic, factories.PatientFactory(), slot=other_day.pk)

    assert page.context["form"].errors["slot"]
    assert written() == before


def test_a_doctor_on_leave_is_a_form_error_not_a_server_error(admin_desk, clinic, clock):
    factories.DoctorLeaveFactory(
        doctor=clinic.doctor, start_date=clock.at.date(), end_date=clock.at.date()
    )
    before = written()

    page = book(admin_desk, clinic, factories.PatientFactory())

    assert page.status_code == 200
    assert "on leave" in " ".join(page.context["form"].errors["doctor"])
    assert written() == before


def test_a_receptionist_is_offered_only_the_sources_the_matrix_allows(
    admin_desk, clinic, monkeypatch
):
    monkeypatch.setitem(roles.RULES, Act.BOOK_EMERGENCY, frozenset({Role.ADMIN}))
    before = written()

    form = admin_desk.get(ADD).context["form"]
    page = book(admin_desk, clinic, factories.PatientFactory(), "emergency")

    offered = {value for value, _label in form.fields["source"].choices}
    assert offered == {"online", "walk_in", "priority", "follow_up"}
    assert page.context["form"].errors["source"]
    assert written() == before


def test_a_receptionist_offered_every_source_the_api_lets_the_desk_book(admin_desk, clinic):
    form = admin_desk.get(ADD).context["form"]

    assert {value for value, _label in form.fields["source"].choices} == set(Source.values)


@pytest.mark.parametrize("staff", [False, True], ids=["doctor", "doctor-with-admin-login"])
def test_a_doctor_cannot_reach_the_booking_form(client, doctor_user, staff, clinic):
    doctor_user.is_staff = staff
    doctor_user.save(update_fields=["is_staff"])
    client.force_login(doctor_user)
    before = written()

    get = client.get(ADD)
    post = client.post(ADD, {"patient": factories.PatientFactory().pk, "source": "walk_in"})

    expected = 403 if staff else 302
    assert get.status_code == expected
    assert post.status_code == expected
    assert written() == before


def test_the_booking_form_runs_a_fixed_number_of_queries(
    admin_desk, clinic, django_assert_num_queries
):
    admin_desk.get(ADD)
    for _ in range(5):
        factories.DoctorFactory()
        factories.PatientFactory()

    with django_assert_num_queries(5):
        assert admin_desk.get(ADD).status_code == 200


def test_the_form_is_prefilled_from_the_address(admin_desk, clinic):
    patient = factories.PatientFactory(name="Prefilled Patient")

    page = admin_desk.get(ADD, {"patient": patient.pk, "doctor": clinic.doctor.pk})

    html = page.content.decode()
    assert f'<option value="{patient.pk}" selected>' in html
    assert "Prefilled Patient" in html


# The patient list's action ----------------------------------------------------------------


def test_book_a_token_on_one_patient_opens_the_form_for_them(admin_desk, clinic):
    patient = factories.PatientFactory(name="Chosen Patient")
    factories.PatientFactory()

    response = admin_desk.post(
        reverse("admin:accounts_patient_changelist"),
        {"action": "book_token_for_patient", "_selected_action": [patient.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{ADD}?patient={patient.pk}"
    form = admin_desk.get(response["Location"]).content.decode()
    assert "Chosen Patient" in form


def test_book_a_token_needs_exactly_one_patient(admin_desk, clinic):
    patients = [factories.PatientFactory(), factories.PatientFactory()]

    page = admin_desk.post(
        reverse("admin:accounts_patient_changelist"),
        {"action": "book_token_for_patient", "_selected_action": [p.pk for p in patients]},
        follow=True,
    )

    assert "Select exactly one patient" in said(page)
    assert page.redirect_chain[-1][0] == reverse("admin:accounts_patient_changelist")


# One site: the desk inside the admin -------------------------------------------------------


def test_desk_pages_carry_the_admins_header_and_navigation(admin_desk, clinic, settings):
    page = admin_desk.get(reverse("desk:overview")).content.decode()

    assert f">{admin.site.site_header} <small>" in page  # the hospital's name
    assert f'href="{ADD}"' in page  # Book a token
    for model in ("scheduling/token", "scheduling/waitingentry", "accounts/patient"):
        assert f'href="/admin/{model}/"' in page
    assert 'href="/admin/accounts/user/"' not in page  # only the lists the user may open
    assert reverse("admin:password_change") in page


def test_the_admin_carries_the_front_desk_menu(admin_desk, clinic):
    page = admin_desk.get(reverse("admin:index")).content.decode()

    for name in ("overview", "patient_search", "collection", "console"):
        assert f'href="{reverse("desk:" + name)}"' in page
    assert 'class="desk-menu"' in page


def test_the_site_header_is_the_hospitals_name(admin_desk, clinic, monkeypatch):
    monkeypatch.setattr(admin.site, "site_header", "Sanjeevani Hospital")

    desk = admin_desk.get(reverse("desk:overview")).content.decode()
    admin_page = admin_desk.get(reverse("admin:index")).content.decode()

    assert ">Sanjeevani Hospital <small>" in desk
    assert '<a href="/admin/">Sanjeevani Hospital</a>' in admin_page


def test_the_admin_is_named_after_the_hospital(settings):
    assert admin.site.site_header == settings.HOSPITAL_NAME


def test_a_doctor_reaches_the_console_without_the_admins_navigation(doctor_client, clinic):
    page = doctor_client.get(reverse("desk:console"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "/admin/scheduling/token/" not in html
    assert f'href="{ADD}"' not in html


def test_a_receptionist_signs_in_at_the_admin_and_works_the_desk(client, receptionist):
    signed_in = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": receptionist.email, "password": factories.PASSWORD},
    )

    assert signed_in.status_code == 302
    assert client.get(reverse("desk:overview")).status_code == 200
    assert client.get(ADD).status_code == 200


def test_a_booking_for_a_past_slot_is_refused(admin_desk, clinic, clock):
    clock.set(clock.at.replace(hour=10, minute=30))
    before = written()

    page = book(admin_desk, clinic, factories.PatientFactory(), slot=clinic.slots[0].pk)

    assert "already ended" in " ".join(page.context["form"].errors["slot"])
    assert written() == before
