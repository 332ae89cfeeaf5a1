"""Finding a patient by name, phone or MRN, and registering a new one in place."""

import pytest
from django.urls import reverse

from accounts.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def meena(db):
    return factories.PatientFactory(name="Meena Kumari", phone="+919812345678")


@pytest.mark.parametrize("query", ["meena", "12345678", "+91 98123 45678"])
def test_finds_a_patient_by_name_or_phone(desk_client, meena, query):
    page = desk_client.get(reverse("desk:patient_search"), {"q": query}).content.decode()
    assert "Meena Kumari" in page
    assert reverse("desk:patient", args=[meena.pk]) in page


def test_finds_a_patient_by_mrn(desk_client, meena):
    page = desk_client.get(
        reverse("desk:patient_search"), {"q": meena.mrn.lower()}
    ).content.decode()
    assert "Meena Kumari" in page


def test_no_match_offers_registration_prefilled(desk_client, meena):
    page = desk_client.get(reverse("desk:patient_search"), {"q": "Ravi Verma"}).content.decode()
    assert "No patient matches" in page
    assert 'value="Ravi Verma"' in page
    assert "Meena" not in page


def test_registering_a_patient_creates_the_record_and_opens_it(desk_client, clinic):
    response = desk_client.post(
        reverse("desk:patient_register"),
        {
            "name": "  Ravi Verma ",
            "phone": "+919900011122",
            "sex": "M",
            "date_of_birth": "1980-05-01",
        },
    )
    patient = Patient.objects.get(phone="+919900011122")
    assert patient.name == "Ravi Verma"
    assert patient.mrn.startswith("MRN-")
    assert patient.user is None
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:patient", args=[patient.pk])
    page = desk_client.get(response["Location"]).content.decode()
    assert f"Registered Ravi Verma as {patient.mrn}" in page
    assert "Walk-in" in page and "Emergency" in page  # one button per source for each doctor


def test_registration_form_errors_are_shown_next_to_fields(desk_client):
    response = desk_client.post(
        reverse("desk:patient_register"), {"name": "", "phone": "", "sex": "U"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Patient.objects.exists()


def test_a_birth_date_in_the_future_is_refused_by_the_service(desk_client, clinic):
    response = desk_client.post(
        reverse("desk:patient_register"),
        {"name": "Baby Rao", "phone": "+919900011133", "sex": "U", "date_of_birth": "2030-01-01"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A date of birth cannot be in the future." in page
    assert "Cannot be in the future." in page
    assert not Patient.objects.exists()


def test_patient_names_with_markup_are_escaped(desk_client, clinic):
    patient = factories.PatientFactory(name='<script>alert("x")</script>Evil')
    token = clinic.book(patient=patient)
    for url in (
        reverse("desk:patient", args=[patient.pk]),
        reverse("desk:patient_search") + "?q=Evil",
        reverse("desk:token", args=[token.reference]),
    ):
        page = desk_client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page
