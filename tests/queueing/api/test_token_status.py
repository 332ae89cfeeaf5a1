"""A token's status along the serving path through the API: check-in, call, illegal changes."""

from datetime import timedelta

from scheduling.models import Token, TokenStatus
from tests.fixtures.api import signed_in


def url(token, action=""):
    return f"/api/v1/tokens/{token.id}" + (f"/{action}" if action else "")


def test_the_front_desk_checks_in_and_the_doctor_sees_the_patient(hospital, clock):
    token = hospital.token()
    clock.set(hospital.slots()[0].start)

    checked_in = signed_in(hospital.receptionist).post(
        url(token, "status"), {"status": "checked_in"}, format="json"
    )
    doctor = signed_in(hospital.doctor.user)
    called = doctor.post(url(token, "status"), {"status": "in_consultation"}, format="json")
    clock.advance(minutes=12)
    completed = doctor.post(url(token, "status"), {"status": "completed"}, format="json")

    assert checked_in.status_code == 200
    assert checked_in.json()["status"] == "checked_in"
    assert called.json()["status"] == "in_consultation"
    assert completed.json()["status"] == "completed"
    assert [event["kind"] for event in completed.json()["history"]] == [
        "checked_in",
        "called",
        "completed",
    ]


def test_an_illegal_status_change_is_409_naming_the_allowed_ones(hospital):
    token = hospital.token()

    response = signed_in(hospital.receptionist).post(
        url(token, "status"), {"status": "completed"}, format="json"
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert set(error["details"]["allowed"]) == {"checked_in", "cancelled", "no_show"}


def test_the_status_endpoint_refuses_cancelled_as_input(hospital):
    token = hospital.token()

    response = signed_in(hospital.receptionist).post(
        url(token, "status"), {"status": "cancelled"}, format="json"
    )

    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]


def test_patients_cannot_change_status(hospital):
    token = hospital.token()

    response = signed_in(hospital.patient_user).post(
        url(token, "status"), {"status": "checked_in"}, format="json"
    )

    assert response.status_code == 403
    assert Token.objects.get(pk=token.pk).status == TokenStatus.BOOKED


def test_a_no_show_before_the_grace_is_409_too_early(hospital, clock):
    token = hospital.token()
    clock.set(hospital.slots()[0].start + timedelta(minutes=5))

    response = signed_in(hospital.receptionist).post(
        url(token, "status"), {"status": "no_show"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_early_for_no_show"
    assert Token.objects.get(pk=token.pk).status == TokenStatus.BOOKED


def test_call_next_with_a_patient_in_consultation_is_409_naming_the_token(hospital, clock):
    first, second = hospital.token(), hospital.token(patient=hospital.other_patient)
    clock.set(hospital.slots()[0].start)
    desk, doctor = signed_in(hospital.receptionist), signed_in(hospital.doctor.user)
    for token in (first, second):
        desk.post(url(token, "status"), {"status": "checked_in"}, format="json")
    call_next = f"/api/v1/doctors/{hospital.doctor.id}/call-next"
    called = doctor.post(call_next)

    again = doctor.post(call_next)

    assert called.status_code == 200
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "consultation_in_progress"
    assert again.json()["error"]["details"]["token"] == called.json()["id"]
    assert Token.objects.filter(status=TokenStatus.IN_CONSULTATION).count() == 1
