"""Idempotency-Key on token-creating requests: a retried booking is answered, not repeated."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connections

from opd_site import clock as opd_clock
from scheduling.idempotency import purge_expired_keys
from scheduling.models import IdempotencyKey, Token, WaitingEntry
from scheduling.services import emergencies as emergencies_service
from scheduling.services import requests as requests_service
from tests import factories
from tests.fixtures.api import signed_in


def booking(hospital, **extra):
    return {
        "doctor": hospital.doctor.id,
        "date": opd_clock.today().isoformat(),
        "source": "online",
        **extra,
    }


def post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_return_the_first_answer_without_booking_twice(hospital, clock):
    client = signed_in(hospital.patient_user)
    first = post(client, "/api/v1/tokens", booking(hospital), "retry-1")
    clock.advance(minutes=5)

    second = post(client, "/api/v1/tokens", booking(hospital), "retry-1")

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Token.objects.count() == 1


def test_without_a_key_a_repeat_is_a_duplicate_booking(hospital):
    client = signed_in(hospital.patient_user)
    client.post("/api/v1/tokens", booking(hospital), format="json")

    assert client.post("/api/v1/tokens", booking(hospital), format="json").status_code == 409


def test_a_waitlisted_answer_is_replayed_as_202(hospital):
    for slot in hospital.slots():
        for _ in range(6):
            hospital.token(patient=factories.PatientFactory(), slot=slot)
    client = signed_in(hospital.patient_user)

    first = post(client, "/api/v1/tokens", booking(hospital), "wait-1")
    second = post(client, "/api/v1/tokens", booking(hospital), "wait-1")

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()


def test_a_reused_key_with_another_body_is_409(hospital):
    client = signed_in(hospital.patient_user)
    post(client, "/api/v1/tokens", booking(hospital), "k")

    response = post(client, "/api/v1/tokens", booking(hospital, reason="different"), "k")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_one_user(hospital):
    post(signed_in(hospital.patient_user), "/api/v1/tokens", booking(hospital), "shared")

    response = post(
        signed_in(hospital.other_patient_user), "/api/v1/tokens", booking(hospital), "shared"
    )

    assert response.status_code == 201
    assert response.json()["patient"]["id"] == hospital.other_patient.id
    assert Token.objects.count() == 2


def test_a_refused_request_is_not_remembered(hospital):
    client = signed_in(hospital.patient_user)
    refused = post(client, "/api/v1/tokens", booking(hospital, date="2027-01-01"), "try")

    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()


def test_an_expired_key_is_forgotten(hospital, clock):
    client = signed_in(hospital.patient_user)
    body = booking(hospital, date=(opd_clock.today() + timedelta(days=1)).isoformat())
    assert post(client, "/api/v1/tokens", body, "old").status_code == 201
    clock.advance(hours=25)

    response = post(client, "/api/v1/tokens", body, "old")

    # Not replayed: the request runs again and meets the existing token.
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_booked"


def test_purging_removes_only_expired_keys(hospital, clock):
    client = signed_in(hospital.patient_user)
    post(client, "/api/v1/tokens", booking(hospital), "old")
    clock.advance(hours=25)
    post(signed_in(hospital.other_patient_user), "/api/v1/tokens", booking(hospital), "new")

    assert purge_expired_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_emergencies_accept_a_key_too(hospital):
    client = signed_in(hospital.receptionist)
    body = {"doctor": hospital.doctor.id, "patient": hospital.patient.id, "reason": "Chest pain"}

    first = post(client, "/api/v1/emergencies", body, "er-1")
    second = post(client, "/api/v1/emergencies", body, "er-1")

    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert Token.objects.count() == 1


def test_a_malformed_key_is_400(hospital):
    response = post(
        signed_in(hospital.patient_user), "/api/v1/tokens", booking(hospital), "x" * 101
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["details"]


def test_keys_expire_after_the_configured_hours(hospital, clock):
    client = signed_in(hospital.patient_user)
    body = booking(hospital)
    post(client, "/api/v1/tokens", body, "fresh")
    clock.advance(hours=23, minutes=59)

    assert post(client, "/api/v1/tokens", body, "fresh").status_code == 201
    assert opd_clock.now() - IdempotencyKey.objects.get().created_at < timedelta(hours=24)


class WorkerDied(BaseException):
    """The web worker is killed (SIGKILL, out of memory): nothing after this point runs."""


@pytest.fixture
def worker_dies_after_the_commit(monkeypatch):
    """The next booking commits, then its worker dies before anything else runs."""
    dying = {"next": True}

    def die_after(locked):
        @contextmanager
        def locked_then_die(**kwargs):
            with locked(**kwargs) as doctor_day:
                yield doctor_day
            if dying["next"]:
                dying["next"] = False
                raise WorkerDied()

        return locked_then_die

    for module in (requests_service, emergencies_service):
        monkeypatch.setattr(module, "doctor_day_locked", die_after(module.doctor_day_locked))


def lost_answer(client, path, body, key) -> None:
    with pytest.raises(WorkerDied):
        post(client, path, body, key)


def test_a_retry_after_the_worker_died_past_the_commit_gets_the_booking(
    hospital, worker_dies_after_the_commit
):
    client = signed_in(hospital.patient_user)
    lost_answer(client, "/api/v1/tokens", booking(hospital), "lost-1")
    token = Token.objects.get()

    retry = post(client, "/api/v1/tokens", booking(hospital), "lost-1")

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == token.id
    assert retry.json()["reference"] == token.reference
    assert retry.json()["allocation"]["outcome"] == "direct"
    assert Token.objects.count() == 1


def test_a_retry_after_the_worker_died_past_the_commit_gets_the_waiting_place(
    hospital, worker_dies_after_the_commit
):
    for slot in hospital.slots():
        for _ in range(6):
            hospital.token(patient=factories.PatientFactory(), slot=slot)
    client = signed_in(hospital.patient_user)
    lost_answer(client, "/api/v1/tokens", booking(hospital), "lost-2")
    entry = WaitingEntry.objects.get(patient=hospital.patient)

    retry = post(client, "/api/v1/tokens", booking(hospital), "lost-2")

    assert retry.status_code == 202
    assert retry.json()["waiting"]["id"] == entry.id
    assert retry.json()["allocation"]["outcome"] == "waitlisted"
    assert WaitingEntry.objects.filter(patient=hospital.patient).count() == 1


def test_an_emergency_retried_after_the_worker_died_gets_the_same_token(
    hospital, worker_dies_after_the_commit
):
    client = signed_in(hospital.receptionist)
    body = {"doctor": hospital.doctor.id, "patient": hospital.patient.id, "reason": "Chest pain"}
    lost_answer(client, "/api/v1/emergencies", body, "er-lost")

    retry = post(client, "/api/v1/emergencies", body, "er-lost")

    assert retry.status_code == 201
    assert retry.json()["id"] == Token.objects.get().id


@pytest.mark.parametrize("full_day", [False, True], ids=["seated", "waitlisted"])
def test_the_stored_answer_is_exactly_the_answer_the_client_got(hospital, full_day):
    if full_day:
        for slot in hospital.slots():
            for _ in range(6):
                hospital.token(patient=factories.PatientFactory(), slot=slot)
    client = signed_in(hospital.patient_user)

    first = post(client, "/api/v1/tokens", booking(hospital), "exact")

    stored = IdempotencyKey.objects.get(key="exact")
    assert (stored.response_status, stored.response_body) == (first.status_code, first.json())
    assert first.status_code == (202 if full_day else 201)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_request_sent_at_once_get_the_one_bookings_answer(hospital):
    """A client that retries before its first attempt was answered: the copy that waited for
    the doctor-day's lock gets the first copy's answer, not 409 already_booked."""
    copies = 2
    barrier = threading.Barrier(copies)
    answers = [None] * copies

    def send(i: int) -> None:
        try:
            client = signed_in(hospital.patient_user)
            barrier.wait(timeout=30)
            answers[i] = post(client, "/api/v1/tokens", booking(hospital), "twin")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Token.objects.count() == 1
