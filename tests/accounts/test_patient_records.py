"""The desk's patient records: one phone form, duplicates caught before a record is made, an
age instead of a birth date, a reason instead of a phone, a preferred language."""

from datetime import date

import pytest

from accounts.models import Patient
from accounts.selectors import find_patients, likely_duplicates
from accounts.services import PossibleDuplicate, create_patient, update_patient
from opd_site.errors import InvalidRequest
from tests import factories

pytestmark = pytest.mark.django_db


def test_three_spellings_of_one_phone_are_one_patient(clock):
    first = create_patient(name="Ramesh Kumar", phone="09820134567")

    with pytest.raises(PossibleDuplicate) as caught:
        create_patient(name="R. Kumar", phone="+91 98201 34567")

    assert first.phone == "+919820134567"
    assert [match.patient for match in caught.value.candidates] == [first]
    assert caught.value.details == {
        "candidates": [
            {"id": first.id, "mrn": first.mrn, "name": "Ramesh Kumar", "birth_year": None}
        ]
    }
    for typed in ("09820134567", "9820134567", "+91 98201 34567", "98201 34567"):
        assert list(find_patients(typed)) == [first], typed


def test_a_similar_name_with_the_same_birth_year_is_a_likely_duplicate(clock):
    kept = factories.PatientFactory(name="Sunita Deshpande", date_of_birth=date(1975, 3, 1))
    factories.PatientFactory(name="Sunita Deshpande", date_of_birth=date(1990, 3, 1))

    for name in ("sunita  DESHPANDE", "Deshpande Sunita", "Sunitá Deshpandé", "Sunita Despande"):
        found = likely_duplicates(name=name, birth_year=1975)
        assert [match.patient for match in found] == [kept], name
    assert likely_duplicates(name="Anita Kulkarni", birth_year=1975) == []


def test_creating_anyway_makes_the_second_record(clock):
    create_patient(name="Asha Rao", phone="9820134567")

    second = create_patient(name="Asha Rao (daughter)", phone="9820134567", create_anyway=True)

    assert Patient.objects.filter(phone="+919820134567").count() == 2
    assert second.phone == "+919820134567"


def test_an_invalid_phone_is_refused_with_a_field_error(clock):
    with pytest.raises(InvalidRequest) as refused:
        create_patient(name="Asha Rao", phone="12345")
    assert "phone" in refused.value.details
    assert not Patient.objects.exists()


def test_no_phone_needs_a_reason(clock):
    with pytest.raises(InvalidRequest) as refused:
        create_patient(name="Unknown male, ~40")
    assert "phone_missing_reason" in refused.value.details

    patient = create_patient(name="Unknown male, ~40", phone_missing_reason="unknown", age_years=40)
    assert patient.phone == "" and patient.phone_missing_reason == "unknown"


def test_an_age_in_years_is_stored_as_an_approximate_birth_date(clock):
    patient = create_patient(name="Gopal Varma", phone_missing_reason="no_phone", age_years=42)

    assert patient.date_of_birth_approximate is True
    assert patient.age_years == 42
    assert patient.date_of_birth.year == clock.at.year - 42


def test_a_birth_date_and_an_age_together_are_refused(clock):
    with pytest.raises(InvalidRequest) as refused:
        create_patient(
            name="Gopal Varma", phone="9820134567", age_years=42, date_of_birth=date(1980, 1, 1)
        )
    assert "age_years" in refused.value.details


def test_the_preferred_language_is_one_of_the_sites(clock, settings):
    patient = create_patient(name="Meena Iyer", phone="9820134568", preferred_language="hi")
    assert patient.preferred_language == "hi"
    with pytest.raises(InvalidRequest) as refused:
        update_patient(patient=patient, preferred_language="xx")
    assert "preferred_language" in refused.value.details


def test_correcting_the_phone_normalises_it_and_clears_the_reason(clock):
    patient = create_patient(name="Walk-in", phone_missing_reason="no_phone")

    update_patient(patient=patient, phone="098201 34569")

    patient.refresh_from_db()
    assert (patient.phone, patient.phone_missing_reason) == ("+919820134569", "")


def test_a_shared_family_phone_alone_is_not_a_duplicate(clock):
    create_patient(name="Sunita Sharma", phone="09820134567")

    son = create_patient(name="Rahul Sharma", phone="+91 98201 34567")

    assert son.phone == "+919820134567"
    assert likely_duplicates(name="Rahul Sharma", phone="+919820134567")[0].patient == son


def test_merged_records_are_neither_found_nor_duplicates(clock):
    kept = factories.PatientFactory(name="Kavya Nair", phone="+919876500001")
    factories.PatientFactory(name="Kavya Nair", phone="+919876500001", merged_into=kept)

    assert list(find_patients("Kavya")) == [kept]
    assert [
        match.patient for match in likely_duplicates(name="Kavya N", phone="+919876500001")
    ] == [kept]
