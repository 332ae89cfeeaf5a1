"""``POST patients/{id}/merge {into}``: staff merge a duplicate record into the one kept."""

from accounts.models import Patient
from opd_site import clock as opd_clock
from scheduling.models import Token
from tests import factories
from tests.fixtures.api import signed_in


def test_staff_merge_a_duplicate_and_its_tokens_follow(hospital):
    kept = factories.PatientFactory(name="Kavya Nair")
    duplicate = factories.PatientFactory(name="Kavya Nair")
    token = hospital.token(patient=duplicate)
    desk = signed_in(hospital.receptionist)

    answer = desk.post(f"/api/v1/patients/{duplicate.id}/merge", {"into": kept.id}, format="json")

    assert answer.status_code == 200
    assert answer.json()["id"] == kept.id
    assert Token.objects.get(pk=token.pk).patient_id == kept.id
    assert desk.get(f"/api/v1/patients/{duplicate.id}").json()["merged_into"] == kept.id
    assert [
        row["id"] for row in desk.get("/api/v1/patients", {"search": "Kavya"}).json()["results"]
    ] == [kept.id]


def test_a_refused_merge_answers_409_in_the_error_shape(hospital):
    kept = factories.PatientFactory()
    duplicate = factories.PatientFactory()
    hospital.token(patient=kept)
    hospital.token(patient=duplicate)

    answer = signed_in(hospital.receptionist).post(
        f"/api/v1/patients/{duplicate.id}/merge", {"into": kept.id}, format="json"
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "merge_refused"
    assert Patient.objects.get(pk=duplicate.pk).merged_into is None


def test_an_unknown_record_to_keep_is_a_400(hospital):
    duplicate = factories.PatientFactory()
    answer = signed_in(hospital.receptionist).post(
        f"/api/v1/patients/{duplicate.id}/merge", {"into": 999999}, format="json"
    )
    assert answer.status_code == 400
    assert "into" in answer.json()["error"]["details"]


def test_patients_and_doctors_may_not_merge(hospital):
    kept, duplicate = factories.PatientFactory(), factories.PatientFactory()
    for user in (hospital.patient_user, hospital.doctor.user):
        answer = signed_in(user).post(
            f"/api/v1/patients/{duplicate.id}/merge", {"into": kept.id}, format="json"
        )
        assert answer.status_code == 403


def test_a_merged_record_cannot_be_booked_and_names_the_record_it_became(hospital):
    kept = factories.PatientFactory(name="Kavya Nair")
    duplicate = factories.PatientFactory(name="Kavya Nair", merged_into=kept)

    answer = signed_in(hospital.receptionist).post(
        "/api/v1/tokens",
        {
            "doctor": hospital.doctor.id,
            "date": opd_clock.today().isoformat(),
            "source": "walk_in",
            "patient": duplicate.id,
        },
        format="json",
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "patient_merged"
    assert answer.json()["error"]["details"] == {"merged_into": kept.id}
    assert not Token.objects.filter(patient=duplicate).exists()
