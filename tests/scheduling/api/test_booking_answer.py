"""The booking answer is built from what the engine just wrote (no read-back): it must say exactly
what reading the token afterwards says."""

from opd_site import clock as opd_clock
from scheduling.models import Source
from tests import factories
from tests.fixtures.api import signed_in

TOKENS = "/api/v1/tokens"


def _fill(hospital, slot, count):
    for _ in range(count):
        hospital.token(patient=factories.PatientFactory(), slot=slot, source=Source.ONLINE)


def _answer_and_read_back(user, **body):
    client = signed_in(user)
    answer = client.post(TOKENS, body, format="json")
    assert answer.status_code == 201, answer.content
    booked = answer.json()
    allocation = booked.pop("allocation")
    read = client.get(f"{TOKENS}/{booked['id']}")
    assert read.status_code == 200
    return booked, read.json(), allocation


def test_a_direct_booking_answers_what_the_token_reads_afterwards(hospital):
    _fill(hospital, hospital.slots()[0], 2)

    booked, read, allocation = _answer_and_read_back(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        reason="Fever",
    )

    assert allocation["outcome"] == "direct"
    assert booked == read
    assert booked["position"] == 3
    assert [event["kind"] for event in booked["history"]] == ["booked"]


def test_a_moved_booking_answers_what_the_token_reads_afterwards(hospital):
    first = hospital.slots()[0]
    _fill(hospital, first, 6)

    booked, read, allocation = _answer_and_read_back(
        hospital.patient_user,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="online",
        slot=first.id,
    )

    assert allocation["outcome"] == "moved"
    assert booked == read
    assert booked["history"][0]["from_slot"]["id"] == first.id


def test_a_paid_bumping_booking_at_the_desk_answers_what_the_token_reads_afterwards(hospital):
    first = hospital.slots()[0]
    _fill(hospital, first, 6)

    booked, read, allocation = _answer_and_read_back(
        hospital.receptionist,
        doctor=hospital.doctor.id,
        date=opd_clock.today().isoformat(),
        source="priority",
        slot=first.id,
        patient=hospital.patient.id,
        payment={"method": "cash", "reference": "R-0142"},
    )

    assert allocation["outcome"] == "bumped"
    assert booked == read
    assert booked["payment"]["state"] == "paid"
    assert booked["history"][0]["actor"]["id"] == hospital.receptionist.id
