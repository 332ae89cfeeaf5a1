"""The token history is append-only: events are written, never edited or deleted in the app."""

import pytest

from scheduling.models import TokenEvent
from scheduling.services.requests import request_token
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(clock):
    doctor_day = factories.DoctorDayFactory()
    factories.SlotFactory(doctor_day=doctor_day, hour=10)
    allocation = request_token(
        doctor=doctor_day.doctor,
        day=doctor_day.date,
        source="walk_in",
        patient=factories.PatientFactory(),
    )
    return TokenEvent.objects.get(token=allocation.token)


def test_booking_appends_its_event(event):
    assert event.kind == "booked"


def test_an_event_cannot_be_rewritten(event):
    event.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.reason != "rewritten"


def test_events_cannot_be_updated_or_deleted_in_bulk(event):
    with pytest.raises(TypeError, match="append-only"):
        TokenEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        TokenEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        TokenEvent.objects.bulk_update([event], ["reason"])
    assert TokenEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    assert TokenEvent.objects.filter(pk=event.pk).exists()
