"""Departments and doctors: finding them, their profiles, registering and editing."""

from tests import factories
from tests.fixtures.api import signed_in


def test_anyone_lists_departments(hospital):
    response = signed_in(None).get("/api/v1/departments")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": hospital.department.id,
            "name": "Cardiology",
            "code": "CARD",
            "location": "Ground floor",
        }
    ]


def test_anyone_finds_doctors_with_filters(hospital):
    other_department = factories.DepartmentFactory(name="Dermatology", code="DERM")
    skin = factories.DoctorFactory(
        department=other_department, specialization="Dermatologist", is_available=False
    )
    client = signed_in(None)

    def ids(**query):
        response = client.get("/api/v1/doctors", query)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {hospital.doctor.id, hospital.other_doctor.id, skin.id}
    assert ids(department=other_department.id) == {skin.id}
    assert ids(available="false") == {skin.id}
    assert ids(available="true") == {hospital.doctor.id, hospital.other_doctor.id}
    assert ids(specialization="dermato") == {skin.id}
    assert ids(search="dermatology") == {skin.id}
    assert ids(search=hospital.doctor.user.name) == {hospital.doctor.id}


def test_a_doctors_profile_has_the_contract_fields(hospital):
    response = signed_in(None).get(f"/api/v1/doctors/{hospital.doctor.id}")

    body = response.json()
    assert response.status_code == 200
    assert {
        "id",
        "name",
        "specialization",
        "department",
        "license_number",
        "qualifications",
        "experience_years",
        "average_consultation_minutes",
        "is_available",
        "working_days",
    } <= set(body)
    assert body["working_days"] == ["Monday", "Tuesday"]
    assert body["department"]["id"] == hospital.department.id
    assert body["average_consultation_minutes"] == 10.0


def test_an_admin_registers_a_doctor_with_an_account(hospital):
    response = signed_in(hospital.admin).post(
        "/api/v1/doctors",
        {
            "name": "Dr Kavya Iyer",
            "email": "kavya@opd.example",
            "password": "a long passphrase",
            "department": hospital.department.id,
            "specialization": "Cardiologist",
            "license_number": "MCI-999",
            "token_prefix": "card3",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["token_prefix"] == "CARD3"
    assert response.json()["name"] == "Dr Kavya Iyer"
    login = signed_in(None).post(
        "/api/v1/auth/login",
        {"email": "kavya@opd.example", "password": "a long passphrase"},
        format="json",
    )
    assert login.json()["user"]["role"] == "doctor"
    assert login.json()["user"]["doctor"] == response.json()["id"]


def test_registering_a_doctor_refuses_taken_details(hospital):
    response = signed_in(hospital.admin).post(
        "/api/v1/doctors",
        {
            "name": "Copy",
            "email": hospital.doctor.user.email,
            "department": hospital.department.id,
            "specialization": "x",
            "license_number": hospital.doctor.license_number,
            "token_prefix": "card1",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "license_number", "token_prefix"}


def test_only_an_admin_registers_doctors(hospital):
    response = signed_in(hospital.receptionist).post("/api/v1/doctors", {}, format="json")

    assert response.status_code == 403


def test_the_doctor_edits_their_profile_but_not_anothers(hospital):
    client = signed_in(hospital.doctor.user)

    own = client.patch(
        f"/api/v1/doctors/{hospital.doctor.id}", {"qualifications": "MBBS, DM"}, format="json"
    )
    other = client.patch(
        f"/api/v1/doctors/{hospital.other_doctor.id}", {"qualifications": "x"}, format="json"
    )

    assert own.status_code == 200
    assert own.json()["qualifications"] == "MBBS, DM"
    assert other.status_code == 403
