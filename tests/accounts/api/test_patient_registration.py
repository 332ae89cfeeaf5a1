"""Registering patients through the API: E.164 phones, the duplicate check (409
``possible_duplicate`` unless ``create_anyway``), ages, phone reasons and languages."""

from accounts.models import Patient
from tests import factories
from tests.fixtures.api import signed_in


def test_a_duplicate_phone_typed_differently_is_refused_without_create_anyway(hospital):
    desk = signed_in(hospital.receptionist)
    first = desk.post(
        "/api/v1/patients", {"name": "Ramesh Kumar", "phone": "09820134567"}, format="json"
    )

    again = desk.post(
        "/api/v1/patients", {"name": "Ramesh K", "phone": "+91 98201 34567"}, format="json"
    )

    assert first.status_code == 201
    assert first.json()["phone"] == "+919820134567"
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "possible_duplicate"
    assert error["details"]["candidates"] == [
        {
            "id": first.json()["id"],
            "mrn": first.json()["mrn"],
            "name": "Ramesh Kumar",
            "birth_year": None,
        }
    ]
    assert Patient.objects.filter(phone="+919820134567").count() == 1


def test_create_anyway_registers_a_second_record(hospital):
    desk = signed_in(hospital.receptionist)
    factories.PatientFactory(name="Ramesh Kumar", phone="+919820134567")

    for flag in ("create_anyway", "confirm_new"):
        created = desk.post(
            "/api/v1/patients",
            {"name": "Suresh Kumar", "phone": "9820134567", flag: True},
            format="json",
        )
        assert created.status_code == 201, flag
    assert Patient.objects.filter(phone="+919820134567").count() == 3


def test_a_similar_name_born_the_same_year_is_a_possible_duplicate(hospital):
    factories.PatientFactory(
        name="Sunita Deshpande", phone="+919820134500", date_of_birth="1975-03-01"
    )

    answer = signed_in(hospital.receptionist).post(
        "/api/v1/patients",
        {
            "name": "sunita deshpandé",
            "phone_missing_reason": "no_phone",
            "date_of_birth": "1975-09-09",
        },
        format="json",
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["details"]["candidates"][0]["birth_year"] == 1975


def test_an_invalid_phone_answers_400_in_the_error_shape(hospital):
    answer = signed_in(hospital.receptionist).post(
        "/api/v1/patients", {"name": "Asha", "phone": "12345"}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid"
    assert "phone" in answer.json()["error"]["details"]


def test_an_unconscious_patient_is_registered_by_age_without_a_phone(hospital):
    desk = signed_in(hospital.receptionist)
    refused = desk.post("/api/v1/patients", {"name": "Unknown male, ~40"}, format="json")

    created = desk.post(
        "/api/v1/patients",
        {"name": "Unknown male, ~40", "phone_missing_reason": "unknown", "age_years": 40},
        format="json",
    )

    assert refused.status_code == 400
    assert "phone_missing_reason" in refused.json()["error"]["details"]
    assert created.status_code == 201
    body = created.json()
    assert body["age_years"] == 40
    assert body["date_of_birth_approximate"] is True
    assert body["phone"] == "" and body["phone_missing_reason"] == "unknown"


def test_the_preferred_language_is_read_and_corrected(hospital):
    desk = signed_in(hospital.receptionist)
    patient = factories.PatientFactory()

    changed = desk.patch(
        f"/api/v1/patients/{patient.id}", {"preferred_language": "hi"}, format="json"
    )
    wrong = desk.patch(
        f"/api/v1/patients/{patient.id}", {"preferred_language": "xx"}, format="json"
    )

    assert changed.status_code == 200
    assert changed.json()["preferred_language"] == "hi"
    assert wrong.status_code == 400


def test_search_finds_a_phone_however_it_is_typed(hospital):
    desk = signed_in(hospital.receptionist)
    patient = factories.PatientFactory(name="Meena Kumari", phone="+919812345678")

    for typed in ("09812345678", "9812345678", "+91 98123 45678"):
        found = desk.get("/api/v1/patients", {"search": typed}).json()["results"]
        assert [row["id"] for row in found] == [patient.id], typed


def test_only_staff_register_patients(hospital):
    body = {"name": "Someone", "phone": "9820134599"}
    assert (
        signed_in(hospital.patient_user).post("/api/v1/patients", body, format="json").status_code
        == 403
    )
    assert (
        signed_in(hospital.doctor.user).post("/api/v1/patients", body, format="json").status_code
        == 403
    )
    assert signed_in(None).post("/api/v1/patients", body, format="json").status_code == 401
    assert not Patient.objects.filter(name="Someone").exists()


def test_registering_an_account_stores_its_phone_in_e164(db):
    answer = signed_in(None).post(
        "/api/v1/auth/register",
        {
            "name": "Asha Rao",
            "email": "asha@example.com",
            "password": "a long passphrase 42",
            "phone": "098201 34577",
        },
        format="json",
    )
    bad = signed_in(None).post(
        "/api/v1/auth/register",
        {
            "name": "Ravi",
            "email": "ravi@example.com",
            "password": "a long passphrase 42",
            "phone": "123",
        },
        format="json",
    )

    assert answer.status_code == 201
    assert answer.json()["user"]["phone"] == "+919820134577"
    assert Patient.objects.get(email="asha@example.com").phone == "+919820134577"
    assert bad.status_code == 400 and "phone" in bad.json()["error"]["details"]


def test_a_language_is_accepted_as_the_contract_writes_it(hospital):
    """api.md names ``en`` and ``hi``; regional variants name the same site language."""
    desk = signed_in(hospital.receptionist)
    patient = factories.PatientFactory()

    answers = {
        code: desk.patch(
            f"/api/v1/patients/{patient.id}", {"preferred_language": code}, format="json"
        ).json()["preferred_language"]
        for code in ("en", "hi-IN", "en-IN")
    }

    assert answers == {"en": "en-gb", "hi-IN": "hi", "en-IN": "en-gb"}
