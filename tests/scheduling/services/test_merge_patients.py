"""Two records of one person become one: tokens, waiting entries and notifications move to the
kept record, its blanks are filled, and the duplicate stays, marked merged."""

import logging
from datetime import date

import pytest

from accounts.models import Sex
from scheduling.errors import MergeNotAllowed, MergeRefused
from scheduling.models import (
    EventKind,
    Notification,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.patients import merge_patients
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(clock):
    kept = factories.PatientFactory(name="Kavya Nair", phone="", phone_missing_reason="unknown")
    duplicate = factories.PatientFactory(
        name="Kavya Nair",
        phone="+919876500001",
        email="kavya@example.com",
        date_of_birth=date(1990, 5, 1),
        sex=Sex.FEMALE,
        preferred_language="hi",
    )
    return kept, duplicate


def test_merging_moves_the_duplicates_tokens_and_entries_and_fills_blanks(
    clinic, records, receptionist
):
    kept, duplicate = records
    token = clinic.book(patient=duplicate)
    entry = factories.WaitingEntryFactory(patient=duplicate)
    note = Notification.objects.create(
        patient=duplicate,
        channel="sms",
        recipient=duplicate.phone,
        kind="booked",
        subject="s",
        body="b",
        next_attempt_at=token.requested_at,
        created_at=token.requested_at,
    )

    merged = merge_patients(keep=kept, duplicate=duplicate, actor=receptionist)

    assert (merged.tokens, merged.waiting_entries, merged.notifications) == (1, 1, 1)
    assert Token.objects.get(pk=token.pk).patient == kept
    assert WaitingEntry.objects.get(pk=entry.pk).patient == kept
    assert Notification.objects.get(pk=note.pk).patient == kept
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    assert (kept.phone, kept.phone_missing_reason, kept.email) == (
        "+919876500001",
        "",
        "kavya@example.com",
    )
    assert (kept.date_of_birth, kept.sex, kept.preferred_language) == (
        date(1990, 5, 1),
        Sex.FEMALE,
        "hi",
    )


def test_a_merge_is_logged_without_personal_data(clinic, records, receptionist, caplog):
    kept, duplicate = records
    caplog.set_level(logging.INFO, logger="opd.patients")

    merge_patients(keep=kept, duplicate=duplicate, actor=receptionist)

    assert f"patient record {duplicate.pk} merged into {kept.pk} by user {receptionist.pk}" in (
        caplog.text
    )
    assert "Kavya" not in caplog.text and "9876500001" not in caplog.text


def test_two_active_tokens_with_the_same_doctor_and_day_refuse_the_merge(clinic, records):
    kept, duplicate = records
    first, second = clinic.book(patient=kept), clinic.book(patient=duplicate)

    with pytest.raises(MergeRefused) as refused:
        merge_patients(keep=kept, duplicate=duplicate)

    assert "cancel one of them" in refused.value.message
    assert refused.value.details["conflicts"][0]["date"] == clinic.doctor_day.date.isoformat()
    assert Token.objects.get(pk=second.pk).patient == duplicate
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    first.status = TokenStatus.CANCELLED
    first.save(update_fields=["status"])
    merge_patients(keep=kept, duplicate=duplicate)
    assert Token.objects.filter(patient=kept).count() == 2


def test_a_record_is_not_merged_twice_nor_into_itself(records):
    kept, duplicate = records
    with pytest.raises(MergeRefused):
        merge_patients(keep=kept, duplicate=kept)
    merge_patients(keep=kept, duplicate=duplicate)
    with pytest.raises(MergeRefused):
        merge_patients(keep=kept, duplicate=duplicate)
    with pytest.raises(MergeRefused):
        merge_patients(keep=duplicate, duplicate=factories.PatientFactory())


def test_only_the_front_desk_merges(records, clinic):
    kept, duplicate = records
    with pytest.raises(MergeNotAllowed):
        merge_patients(keep=kept, duplicate=duplicate, actor=clinic.doctor.user)


def test_each_moved_token_and_entry_says_in_its_history_which_record_it_came_from(
    clinic, records, receptionist
):
    kept, duplicate = records
    token = clinic.book(patient=duplicate)
    entry = factories.WaitingEntryFactory(patient=duplicate)

    merge_patients(keep=kept, duplicate=duplicate, actor=receptionist)

    said = f"Record {duplicate.mrn} merged into {kept.mrn}"
    for event in (
        TokenEvent.objects.get(token=token, kind=EventKind.PATIENT_MERGED),
        TokenEvent.objects.get(waiting_entry=entry, kind=EventKind.PATIENT_MERGED),
    ):
        assert (event.reason, event.actor) == (said, receptionist)
