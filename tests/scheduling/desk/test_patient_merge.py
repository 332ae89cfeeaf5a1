"""The desk merges a duplicate record: from the patient page, choose the record to keep,
confirm; the tokens move and the duplicate says where it went."""

import pytest
from django.urls import reverse

from accounts.models import Patient
from scheduling.models import Token
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(clock):
    kept = factories.PatientFactory(name="Kavya Nair", phone="+919876500001")
    duplicate = factories.PatientFactory(name="Kavya  nair", phone="+919876500001")
    return kept, duplicate


def test_the_patient_page_leads_to_the_merge_page_listing_likely_duplicates(desk_client, pair):
    kept, duplicate = pair
    merge_url = reverse("desk:patient_merge", args=[duplicate.pk])

    patient_page = desk_client.get(reverse("desk:patient", args=[duplicate.pk])).content.decode()
    merge_page = desk_client.get(merge_url).content.decode()

    assert merge_url in patient_page and "Merge into another record" in patient_page
    assert f"{merge_url}?into={kept.pk}" in merge_page


def test_confirming_merges_and_moves_the_tokens(desk_client, clinic, pair):
    kept, duplicate = pair
    token = clinic.book(patient=duplicate)
    merge_url = reverse("desk:patient_merge", args=[duplicate.pk])

    confirm = desk_client.get(merge_url, {"into": kept.pk}).content.decode()
    response = desk_client.post(merge_url, {"into": kept.pk}, follow=True)

    assert f"Merge into {kept.mrn}" in confirm
    assert response.redirect_chain[-1][0] == reverse("desk:patient", args=[kept.pk])
    assert f"{duplicate.mrn} was merged into {kept.mrn}" in response.content.decode()
    assert Token.objects.get(pk=token.pk).patient == kept
    assert Patient.objects.get(pk=duplicate.pk).merged_into == kept


def test_a_refused_merge_says_why(desk_client, clinic, pair):
    kept, duplicate = pair
    clinic.book(patient=kept)
    clinic.book(patient=duplicate)

    response = desk_client.post(
        reverse("desk:patient_merge", args=[duplicate.pk]), {"into": kept.pk}, follow=True
    )

    assert "cancel one of them, then merge" in response.content.decode()
    assert Patient.objects.get(pk=duplicate.pk).merged_into is None


def test_the_admin_action_merges_the_later_record_into_the_earlier(admin_client, pair):
    kept, duplicate = pair
    response = admin_client.post(
        reverse("admin:accounts_patient_changelist"),
        {"action": "merge_two_patients", "_selected_action": [kept.pk, duplicate.pk]},
        follow=True,
    )

    assert f"{duplicate.mrn} was merged into {kept.mrn}" in response.content.decode()
    assert Patient.objects.get(pk=duplicate.pk).merged_into == kept
