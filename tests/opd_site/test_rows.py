"""The hand-written reads (``opd_site.rows``) give the instances a queryset would: the same
values, converted the same way, saved as rows that exist, with the fields not read deferred."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opd_site import clock
from scheduling import sql
from scheduling.models import Token, TokenStatus
from tests import factories

pytestmark = pytest.mark.django_db

QUEUED = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN, TokenStatus.COMPLETED)


def _values(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in Token._meta.concrete_fields
    }


@pytest.fixture
def busy_day():
    """Two slots of one day, three tokens each, in several states and with several times set."""
    day = factories.DoctorDayFactory()
    now = clock.now()
    tokens = []
    for hour in (9, 10):
        slot = factories.SlotFactory(doctor_day=day, hour=hour)
        tokens += [
            factories.TokenFactory(slot=slot),
            factories.TokenFactory(
                slot=slot, status=TokenStatus.CHECKED_IN, checked_in_at=now - timedelta(minutes=5)
            ),
            factories.TokenFactory(
                slot=slot,
                status=TokenStatus.COMPLETED,
                checked_in_at=now - timedelta(minutes=40),
                called_at=now - timedelta(minutes=30),
                completed_at=now - timedelta(minutes=22, seconds=17, microseconds=5),
                told_estimate=now - timedelta(minutes=31),
            ),
        ]
    return day, tokens


def test_a_days_queue_read_by_hand_is_what_the_orm_reads(busy_day):
    day, tokens = busy_day

    read = sql.day_tokens([day.id], QUEUED)

    assert [token.pk for token in read] == sorted(token.pk for token in tokens)
    for token in read:
        from_orm = Token.objects.get(pk=token.pk)
        assert _values(token) == _values(from_orm)
        assert token._state.adding is False
        assert token._state.db == "default"
        assert token.get_deferred_fields() == set()
        for field in ("requested_at", "booked_at", "checked_in_at", "completed_at"):
            value = getattr(token, field)
            if value is not None:
                assert value.utcoffset() == timedelta(0)


def test_tokens_of_one_slot_share_their_slot_read_once(busy_day):
    day, _ = busy_day

    read = sql.day_tokens([day.id], QUEUED)

    by_slot = {}
    for token in read:
        by_slot.setdefault(token.slot_id, set()).add(id(token.slot))
    assert len(by_slot) == 2
    assert all(len(instances) == 1 for instances in by_slot.values())
    with CaptureQueriesContext(connection) as queries:
        starts = {token.slot.start for token in read}
    assert len(queries) == 0
    assert len(starts) == 2


def test_a_token_read_by_hand_saves_as_the_row_it_is(busy_day):
    day, _ = busy_day
    token = next(t for t in sql.day_tokens([day.id], QUEUED) if t.status == TokenStatus.BOOKED)
    count = Token.objects.count()

    token.status = TokenStatus.CHECKED_IN
    token.checked_in_at = clock.now()
    token.save(update_fields=["status", "checked_in_at"])
    token.reason = "Follow-up of a fever"
    token.save()

    assert Token.objects.count() == count
    saved = Token.objects.get(pk=token.pk)
    assert saved.status == TokenStatus.CHECKED_IN
    assert saved.reason == "Follow-up of a fever"


def test_the_fields_a_read_leaves_out_are_read_on_first_use(busy_day):
    _, tokens = busy_day
    done = tokens[2]

    token = sql.slip_token(done.reference)

    assert "completed_at" in token.get_deferred_fields()
    assert "reference" not in token.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        completed_at = token.completed_at
    assert len(queries) == 1
    assert completed_at == Token.objects.get(pk=done.pk).completed_at
