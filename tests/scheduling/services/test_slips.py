"""Printed slips that stay true: whatever moves a printed token's slot or shifts its time marks
the slip for reprinting, in the same transaction; printing it again clears the mark."""

from datetime import timedelta

import pytest

from queueing.services import check_in
from scheduling.services.cancellation import cancel_token
from scheduling.services.delay import set_delay
from scheduling.services.slips import record_slip_printed
from scheduling.services.unavailability import cancel_slot, record_leave
from tests.scheduling.helpers import book, fill, make_day, reload

pytestmark = pytest.mark.django_db


def printed(token):
    record_slip_printed(token=reload(token))
    token = reload(token)
    assert token.slip_printed_at is not None and not token.reprint_needed
    return token


def test_printing_a_slip_records_when_it_was_printed(day, clock):
    token = book(day, "online").token
    assert reload(token).slip_printed_at is None

    record_slip_printed(token=token)

    token = reload(token)
    assert token.slip_printed_at == clock.at
    assert not token.reprint_needed


def test_a_bumped_printed_token_needs_a_reprint(day, clock):
    stays = printed(book(day, "online", slot=day.slots[0]).token)
    clock.advance(minutes=1)
    bumped = printed(book(day, "online", slot=day.slots[0]).token)  # latest booked: bumped

    allocation = book(day, "priority", slot=day.slots[0])

    assert [token.id for token in allocation.bumped] == [bumped.id]
    assert reload(bumped).slot_id == day.slots[1].id
    assert reload(bumped).reprint_needed
    assert not reload(stays).reprint_needed


def test_a_bumped_token_without_a_printed_slip_is_not_flagged(day, clock):
    fill(day.slots[0], 2, day=day)

    allocation = book(day, "priority", slot=day.slots[0])

    assert not reload(allocation.bumped[0]).reprint_needed


def test_a_delay_flags_every_printed_waiting_token_of_the_day(day, clock):
    first = printed(book(day, "online", slot=day.slots[0]).token)
    arrived = printed(book(day, "walk_in", slot=day.slots[2]).token)
    check_in(token=arrived)
    never_printed = book(day, "online", slot=day.slots[3]).token
    tomorrow = make_day(doctor=day.doctor, on=day.date + timedelta(days=1), hours=(9,))
    other_day = printed(book(tomorrow, "online").token)

    set_delay(doctor=day.doctor, minutes=20, reason="Ward round")

    assert reload(first).reprint_needed
    assert reload(arrived).reprint_needed
    assert not reload(never_printed).reprint_needed
    assert not reload(other_day).reprint_needed


def test_revising_only_the_reason_of_a_delay_changes_no_slip(day, clock):
    set_delay(doctor=day.doctor, minutes=20)
    token = printed(book(day, "online", slot=day.slots[2]).token)

    set_delay(doctor=day.doctor, minutes=20, reason="Still in theatre")
    assert not reload(token).reprint_needed

    set_delay(doctor=day.doctor, minutes=0)
    assert reload(token).reprint_needed


def test_cancelling_a_slot_flags_the_printed_tokens_it_moves(day, clock):
    token = printed(book(day, "online", slot=day.slots[0]).token)

    cancel_slot(slot=day.slots[0], reason="Called to theatre")

    token = reload(token)
    assert token.slot_id == day.slots[1].id
    assert token.reprint_needed


def test_leave_voids_the_printed_slips_of_the_tokens_it_cancels(day, clock):
    token = printed(book(day, "online", slot=day.slots[0]).token)
    patients_own = printed(book(day, "online", slot=day.slots[1]).token)
    cancel_token(token=reload(patients_own), reason="Cannot come")

    record_leave(doctor=day.doctor, start=day.date, end=day.date, reason="Unwell")

    token = reload(token)
    assert token.status == "cancelled" and token.cancelled_by == "hospital"
    assert token.reprint_needed
    assert not reload(patients_own).reprint_needed


def test_reprinting_clears_the_flag(day, clock):
    token = printed(book(day, "online", slot=day.slots[0]).token)
    set_delay(doctor=day.doctor, minutes=15)
    assert reload(token).reprint_needed

    clock.advance(minutes=3)
    record_slip_printed(token=reload(token), slot_id=token.slot_id, delay_minutes=15)

    token = reload(token)
    assert not token.reprint_needed
    assert token.slip_printed_at == clock.at


def test_a_slip_drawn_before_a_move_stays_out_of_date_when_printed(day, clock):
    token = printed(book(day, "online", slot=day.slots[0]).token)
    drawn_slot, drawn_delay = token.slot_id, 0
    set_delay(doctor=day.doctor, minutes=30)

    record_slip_printed(token=reload(token), slot_id=drawn_slot, delay_minutes=drawn_delay)

    assert reload(token).reprint_needed
