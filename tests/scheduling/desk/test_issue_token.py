"""Issuing a token at the desk: choose a doctor and kind, confirm, and the slip opens."""

import pytest
from django.urls import reverse

from scheduling.models import EventKind, Source, TokenStatus, WaitingEntry
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db


def issue(client, patient, doctor, source, reason=""):
    return client.post(
        reverse("desk:issue", args=[patient.pk]),
        {"doctor": doctor.pk, "source": source, "reason": reason},
        follow=True,
    )


def test_the_confirm_page_names_patient_doctor_and_kind(desk_client, clinic):
    patient = factories.PatientFactory(name="Meena Kumari")
    page = desk_client.get(
        reverse("desk:issue", args=[patient.pk]),
        {"doctor": clinic.doctor.pk, "source": "priority"},
    ).content.decode()
    assert "Issue a priority (paid) token?" in page
    assert "Meena Kumari" in page and "Dr Asha Rao" in page
    assert not patient.tokens.exists()  # looking is not booking


def test_confirming_issues_a_walk_in_token_and_opens_the_slip(desk_client, clinic, receptionist):
    patient = factories.PatientFactory()
    response = issue(desk_client, patient, clinic.doctor, "walk_in")
    token = patient.tokens.get()
    assert token.source == Source.WALK_IN
    assert token.status == TokenStatus.BOOKED
    assert token.created_by == receptionist
    slip = reverse("desk:slip", args=[token.reference])
    assert response.redirect_chain[-1][0] == f"{slip}?print=1"  # opens the print dialog
    page = response.content.decode()
    assert "CARD1-001" in page
    assert "Token CARD1-001 issued. Seated in the requested slot." in page


def test_an_emergency_goes_to_the_slot_in_progress(desk_client, clinic, morning):
    patient = factories.PatientFactory()
    issue(desk_client, patient, clinic.doctor, "emergency", reason="Chest pain")
    token = patient.tokens.get()
    assert token.source == Source.EMERGENCY
    assert token.slot == clinic.slots[0]
    assert token.events.get().kind == EventKind.EMERGENCY_ADMITTED


def test_a_follow_up_without_a_recent_visit_is_refused_with_the_reason(desk_client, clinic):
    patient = factories.PatientFactory()
    page = issue(desk_client, patient, clinic.doctor, "follow_up").content.decode()
    assert not patient.tokens.exists()
    assert "Not done:" in page
    assert "A follow-up needs a consultation with Dr Asha Rao" in page


def test_a_second_token_for_the_same_day_is_refused(desk_client, clinic):
    patient = factories.PatientFactory()
    clinic.book(patient=patient)
    page = issue(desk_client, patient, clinic.doctor, "walk_in").content.decode()
    assert patient.tokens.count() == 1
    assert "already holds a token" in page


def test_a_full_day_puts_the_patient_on_the_waiting_list(desk_client, clock):
    clinic = Clinic(capacity=1)
    for _ in range(3):
        clinic.book()
    patient = factories.PatientFactory()
    response = issue(desk_client, patient, clinic.doctor, "walk_in")
    entry = WaitingEntry.objects.get(patient=patient, status="waiting")
    assert response.redirect_chain[-1][0] == reverse("desk:waiting_slip", args=[entry.reference])
    page = response.content.decode()
    assert "added to the waiting list" in page
    assert 'data-testid="waiting-position">No. 1<' in page


def test_a_bad_source_is_rejected_without_booking(desk_client, clinic):
    patient = factories.PatientFactory()
    page = issue(desk_client, patient, clinic.doctor, "online").content.decode()
    assert "Choose a doctor and a kind of token." in page
    assert not patient.tokens.exists()
