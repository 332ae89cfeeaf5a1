"""A patient whose expected call moves much later than they were told hears of it once (the
tick sends it; never twice within an hour; not for small moves; not once they are called or
cancelled; in their own language)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from queueing.services import call_next, check_in
from scheduling.models import EventKind, Notification, Token, TokenStatus
from scheduling.services.cancellation import cancel_token
from tests.scheduling.helpers import at, book, fill, make_day, new_patient, reload


def tick() -> str:
    out = StringIO()
    call_command("opd_tick", stdout=out)
    return out.getvalue()


def notices(token: Token) -> list[Notification]:
    return list(
        Notification.objects.filter(token=token, kind=EventKind.ESTIMATE_MOVED).order_by("id")
    )


@pytest.fixture
def clinic(clock, db):
    """Today at 08:00: one doctor (10-minute consultations), slots at 09 and 10 of ten seats."""
    return make_day(hours=(9, 10), capacity=10)


@pytest.fixture
def told(clinic):
    """A patient told at booking they are first at 09:00."""
    patient = new_patient(email="asha@example.com", phone="+919800000001")
    token = book(clinic, "online", slot=clinic.slots[0], patient=patient).token
    assert reload(token).told_estimate == at(clinic.date, 9, 0)
    return token


def overtaken_by(clinic, count: int) -> None:
    """``count`` paid-priority patients book the same slot and arrive: they go first."""
    for token in fill(clinic.slots[0], count, "priority", day=clinic):
        check_in(token=token)


def test_a_move_past_the_threshold_is_told_once_by_each_channel(clinic, told, outboxes):
    overtaken_by(clinic, 5)

    output = tick()

    assert "estimate_notices=1" in output
    sent = notices(told)
    assert sorted(notice.channel for notice in sent) == ["email", "sms"]
    assert "You will be called later than you were told" in sent[0].subject
    token = reload(told)
    assert token.told_estimate >= at(clinic.date, 9, 40)
    assert f"about {token.told_estimate.astimezone(at(clinic.date, 9).tzinfo):%H:%M}" in (
        sent[0].body
    )
    assert "asha" not in sent[0].body and "Asha" not in sent[0].body
    mail, texts = outboxes
    assert len(mail) == 1 and len(texts) == 1
    assert "estimate_notices=0" in tick()
    assert len(notices(told)) == 2


def test_never_twice_within_an_hour_however_far_it_moves(clinic, told, clock, outboxes):
    overtaken_by(clinic, 4)
    tick()
    overtaken_by(clinic, 4)  # forty minutes more

    clock.advance(minutes=50)
    assert "estimate_notices=0" in tick()
    clock.advance(minutes=10)
    assert "estimate_notices=1" in tick()
    assert len(notices(told)) == 4


def test_a_small_move_is_not_told(clinic, told, outboxes):
    overtaken_by(clinic, 2)  # twenty minutes: under the threshold

    assert "estimate_notices=0" in tick()
    assert notices(told) == []


def test_the_threshold_comes_from_the_settings(clinic, told, settings, outboxes):
    settings.OPD = {**settings.OPD, "ESTIMATE_MOVE_NOTICE_MINUTES": 15}
    overtaken_by(clinic, 2)

    assert "estimate_notices=1" in tick()


def test_a_cancelled_token_is_not_told(clinic, told, outboxes):
    overtaken_by(clinic, 5)
    cancel_token(token=told, reason="Cannot come.")

    assert "estimate_notices=0" in tick()
    assert notices(told) == []


def test_a_called_patient_is_not_told(clinic, told, clock, outboxes):
    check_in(token=told)
    clock.set(at(clinic.date, 9, 0))
    assert call_next(doctor=clinic.doctor).pk == told.pk
    Token.objects.filter(pk=told.pk).update(told_estimate=at(clinic.date, 7, 0))

    assert "estimate_notices=0" in tick()
    assert reload(told).status == TokenStatus.IN_CONSULTATION
    assert notices(told) == []


def test_check_in_tells_the_patient_the_estimate_again(clinic, told, clock):
    overtaken_by(clinic, 5)
    check_in(token=told)

    assert reload(told).told_estimate >= at(clinic.date, 9, 40)
    assert "estimate_notices=0" in tick()


def test_the_notice_is_written_in_the_patients_language(clinic, clock, monkeypatch, outboxes):
    patient = new_patient(phone="+919800000002", preferred_language="hi")
    token = book(clinic, "online", slot=clinic.slots[0], patient=patient).token
    overtaken_by(clinic, 5)
    languages = []

    def written_in(message):
        languages.append(translation.get_language())
        return message

    monkeypatch.setattr("scheduling.services.estimate_notices.gettext", written_in)
    tick()

    assert languages == ["hi"]
    assert len(notices(token)) == 1


def test_a_message_that_moves_the_token_tells_the_new_slots_start(clinic, told, outboxes):
    fill(clinic.slots[0], 9, "online", day=clinic)  # the slot is full
    allocation = book(clinic, "priority", slot=clinic.slots[0])  # the latest booked is bumped

    bumped = reload(allocation.bumped[0])
    assert bumped.slot_id == clinic.slots[1].id
    assert bumped.told_estimate == clinic.slots[1].start
    assert timedelta(0) <= bumped.told_estimate - at(clinic.date, 10, 0) < timedelta(minutes=1)
