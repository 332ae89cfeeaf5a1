"""Patient records through the API: register, find, correct, lift a no-show block."""

from accounts.models import Patient
from tests import factories
from tests.fixtures.api import signed_in


def test_the_front_desk_registers_and_finds_walk_in_patients(hospital):
    desk = signed_in(hospital.receptionist)

    created = desk.post(
        "/api/v1/patients",
        {
            "name": "Zebediah Quartermaine",
            "phone": "+91 98111 22233",
            "sex": "M",
            "date_of_birth": "1960-04-01",
        },
        format="json",
    )
    mrn = created.json()["mrn"]

    assert created.status_code == 201
    assert created.json()["has_account"] is False
    assert [
        row["mrn"] for row in desk.get("/api/v1/patients", {"search": "quarterm"}).json()["results"]
    ] == [mrn]
    assert desk.get("/api/v1/patients", {"search": mrn}).json()["count"] == 1
    assert desk.get("/api/v1/patients", {"search": "98111"}).json()["count"] == 1


def test_the_front_desk_corrects_a_patient_record(hospital):
    walk_in = factories.PatientFactory(name="Gopal Varma")
    desk = signed_in(hospital.receptionist)

    fixed = desk.patch(f"/api/v1/patients/{walk_in.id}", {"name": "Gopal Verma"}, format="json")
    future = desk.patch(
        f"/api/v1/patients/{walk_in.id}", {"date_of_birth": "2099-01-01"}, format="json"
    )

    assert fixed.status_code == 200
    assert Patient.objects.get(pk=walk_in.pk).name == "Gopal Verma"
    assert desk.get(f"/api/v1/patients/{walk_in.id}").json()["name"] == "Gopal Verma"
    assert future.status_code == 400
    assert "date_of_birth" in future.json()["error"]["details"]


def test_patient_records_are_for_the_front_desk_only(hospital):
    assert signed_in(hospital.patient_user).get("/api/v1/patients").status_code == 403
    assert (
        signed_in(hospital.doctor.user).get(f"/api/v1/patients/{hospital.patient.id}").status_code
        == 403
    )
    assert signed_in(None).get("/api/v1/patients").status_code == 401


def test_the_front_desk_lifts_a_no_show_block(hospital):
    hospital.patient.booking_blocked = True
    hospital.patient.save(update_fields=["booking_blocked"])

    response = signed_in(hospital.receptionist).post(
        f"/api/v1/patients/{hospital.patient.id}/clear-block"
    )

    assert response.status_code == 200
    assert response.json()["booking_blocked"] is False
