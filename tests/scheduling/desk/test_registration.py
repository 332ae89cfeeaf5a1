"""Registering at the desk: the phone however typed, likely duplicates shown before a record is
made, an age instead of a birth date, no phone with a reason."""

import pytest
from django.urls import reverse

from accounts.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ramesh(clock):
    return factories.PatientFactory(name="Ramesh Kumar", phone="+919820134567")


def register(client, **fields):
    return client.post(reverse("desk:patient_register"), {"sex": "U", **fields})


@pytest.mark.parametrize("typed", ["09820134567", "9820134567", "+91 98201 34567"])
def test_the_search_box_finds_a_phone_however_it_is_typed(desk_client, ramesh, typed):
    page = desk_client.get(reverse("desk:patient_search"), {"q": typed}).content.decode()
    assert reverse("desk:patient", args=[ramesh.pk]) in page


def test_registering_the_same_phone_again_shows_the_likely_match(desk_client, ramesh):
    response = register(desk_client, name="R Kumar", phone="098201 34567")

    page = response.content.decode()
    assert response.status_code == 200
    assert "This patient may already be registered" in page
    assert "Ramesh Kumar" in page and ramesh.mrn in page
    assert (
        "+91 ••••••4567" in page and "9820134567" not in page.split("possible-duplicates")[1][:2000]
    )
    assert reverse("desk:patient", args=[ramesh.pk]) in page  # "Use this patient"
    assert "Register as a new patient anyway" in page
    assert Patient.objects.count() == 1


def test_register_anyway_creates_the_new_record(desk_client, ramesh):
    response = register(desk_client, name="Suresh Kumar", phone="098201 34567", create_anyway="1")

    created = Patient.objects.exclude(pk=ramesh.pk).get()
    assert response["Location"] == reverse("desk:patient", args=[created.pk])
    assert created.phone == "+919820134567"


def test_an_invalid_phone_is_a_field_error(desk_client, clock):
    response = register(desk_client, name="Asha", phone="12345")
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.content.decode()
    assert not Patient.objects.exists()


def test_no_phone_needs_a_reason_and_an_age_will_do(desk_client, clock):
    refused = register(desk_client, name="Unknown male, ~40", age_years="40")
    created = register(
        desk_client, name="Unknown male, ~40", age_years="40", phone_missing_reason="unknown"
    )

    assert refused.status_code == 400
    assert "say why there is none" in refused.content.decode()
    patient = Patient.objects.get()
    assert (patient.phone_missing_reason, patient.date_of_birth_approximate) == ("unknown", True)
    page = desk_client.get(created["Location"]).content.decode()
    assert "Age 40 (approx.)" in page


def test_the_preferred_language_is_chosen_at_registration(desk_client, clock):
    register(desk_client, name="Meena Iyer", phone="9820134599", preferred_language="hi")
    assert Patient.objects.get().preferred_language == "hi"


def test_a_merged_record_points_to_the_kept_one(desk_client, ramesh):
    old = factories.PatientFactory(name="Ramesh Kumar", merged_into=ramesh)

    page = desk_client.get(reverse("desk:patient", args=[old.pk])).content.decode()

    assert "Merged into" in page and ramesh.mrn in page
    assert reverse("desk:patient", args=[ramesh.pk]) in page
    assert "Issue a token for today" not in page
