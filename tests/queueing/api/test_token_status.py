"""A token's status along the serving path through the API: check-in, call, illegal changes."""

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
