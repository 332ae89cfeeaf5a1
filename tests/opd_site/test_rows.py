"""The hand-written reads and inserts (``opd_site.rows``) do what the ORM does: the same values,
converted the same way, instances saved as rows that exist, the fields not read deferred, and
an insert writes the row ``save`` writes and sends ``post_save``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opd_site import clock, rows
from scheduling import policy, selectors, sql
from scheduling.models import DoctorDay, Slot, Source, Token, TokenStatus
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


def _written(token) -> dict:
    values = _values(Token.objects.get(pk=token.pk))
    for name in ("id", "reference", "number", "patient_id"):
        values.pop(name)
    return values


def test_an_insert_writes_the_row_save_writes(busy_day):
    day, tokens = busy_day
    slot, now = tokens[0].slot, clock.now()

    def new_token(number: int) -> Token:
        return Token(
            doctor_day=day,
            slot=slot,
            patient=factories.PatientFactory(),
            number=number,
            source=Source.PRIORITY,
            priority=policy.priority_for(Source.PRIORITY),
            fee=Decimal("500.00"),
            reason="Knee pain",
            requested_at=now,
            booked_at=now,
        )

    saved = new_token(101)
    saved.save(force_insert=True)
    inserted = rows.insert(new_token(102))

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert inserted._state.adding is False
    assert _written(inserted) == _written(saved)
    assert Token.objects.get(pk=inserted.pk).reference == inserted.reference


def test_an_insert_outside_the_lock_still_moves_the_days_version(busy_day):
    """``post_save`` is sent: a token written outside ``doctor_day_locked`` (a shell, an import)
    still tells the cached readers that its day changed."""
    day, tokens = busy_day
    before = DoctorDay.objects.get(pk=day.pk).version

    rows.insert(
        Token(
            doctor_day=day,
            slot=tokens[0].slot,
            patient=factories.PatientFactory(),
            number=103,
            source=Source.WALK_IN,
            priority=policy.priority_for(Source.WALK_IN),
            requested_at=clock.now(),
            booked_at=clock.now(),
        )
    )

    assert DoctorDay.objects.get(pk=day.pk).version == before + 1


def test_the_seat_counts_read_by_hand_are_the_desks(busy_day):
    """The booking's seat count (one statement under the lock) and the desk's overview (the ORM,
    for many days) count the same seats."""
    day, tokens = busy_day
    factories.TokenFactory(
        slot=tokens[0].slot,
        source=Source.EMERGENCY,
        priority=policy.emergency_priority(),
    )
    factories.TokenFactory(slot=tokens[3].slot, status=TokenStatus.CANCELLED)
    factories.SlotFactory(doctor_day=day, hour=11)  # nobody booked yet

    by_hand = sql.slots_with_seat_counts(day.id)
    with_tokens = sql.booking_day(day.id, factories.PatientFactory().pk).slots  # a booking's
    by_orm = selectors.counted_slots(Slot.objects.filter(doctor_day=day)).order_by("start", "id")

    def counts(slot) -> tuple:
        return (slot.pk, slot.n_regular, slot.n_advance, slot.n_emergency, slot.n_held)

    assert [counts(slot) for slot in by_hand] == [counts(slot) for slot in by_orm]
    assert [counts(slot) for slot in with_tokens] == [counts(slot) for slot in by_orm]
    assert [counts(slot)[1:] for slot in by_hand] == [(3, 3, 1, 2), (3, 3, 0, 2), (0, 0, 0, 0)]
    assert all(slot.get_deferred_fields() == set() for slot in by_hand)


def test_the_booking_read_carries_the_days_queue_and_the_patients_place(busy_day):
    """A booking reads its day once under the lock: the tokens it gives are the day's queue as
    ``day_tokens`` reads it, and the place it finds is the one ``existing_place`` finds, for a
    patient with a token, one on the waiting list, one whose token was cancelled, and one with
    nothing on the day."""
    day, tokens = busy_day
    factories.SlotFactory(doctor_day=day, hour=11)
    cancelled = factories.TokenFactory(slot=tokens[0].slot, status=TokenStatus.CANCELLED)
    waiting = factories.WaitingEntryFactory(doctor_day=day)
    patients = [tokens[1].patient, waiting.patient, cancelled.patient, factories.PatientFactory()]

    places = []
    for patient in patients:
        expected = selectors.existing_place(doctor_day=day, patient=patient)
        read = sql.booking_day(day.id, patient.pk)
        assert read.place == expected, patient
        places.append(expected)
        queue = read.tokens
        assert [_values(t) for t in queue] == [
            _values(t) for t in sql.day_tokens([day.id], (*QUEUED, TokenStatus.IN_CONSULTATION))
        ]
        assert all(t.slot.pk == t.slot_id for t in queue)

    assert places == [
        {"token": tokens[1].pk, "reference": tokens[1].reference},
        {"waiting": waiting.pk},
        None,
        None,
    ]


def test_a_day_without_slots_still_finds_the_patients_place():
    """The booking's read carries the place on the slots' rows; a day with none asks apart, so a
    second request is still refused as already booked before it is told the day has no slots."""
    day = factories.DoctorDayFactory()
    waiting = factories.WaitingEntryFactory(doctor_day=day)

    read = sql.booking_day(day.id, waiting.patient.pk)

    assert (read.slots, read.tokens, read.place) == ([], [], {"waiting": waiting.pk})


def test_the_boards_read_by_hand_finds_what_the_orm_finds():
    """A waiting-hall board's poll reads its department and today's clinics in one statement:
    the same department (its code in any case) and the same days, in the same order, as the
    ORM's ``board_days``; a day without slots, another date or another department's day is left
    out, and an unknown code finds nothing."""
    from queueing import selectors as queue_selectors

    department = factories.DepartmentFactory(code="CARD")
    for name in ("Zubin", "Asha", "Meera"):
        doctor = factories.DoctorFactory(department=department, user__name=name)
        factories.SlotFactory(doctor_day=factories.DoctorDayFactory(doctor=doctor), hour=9)
    factories.DoctorDayFactory(doctor=factories.DoctorFactory(department=department))  # no slot
    later = factories.DoctorDayFactory(date=clock.today() + timedelta(days=1), doctor=doctor)
    factories.SlotFactory(doctor_day=later, hour=9)
    factories.SlotFactory(hour=9)  # another department's clinic
    empty = factories.DepartmentFactory(code="EYE")

    found, days = sql.board_days("card", clock.today())
    by_orm = queue_selectors.board_days(department=department)

    assert found == department
    assert [(d.pk, d.doctor.pk, d.doctor.user.name) for d in days] == [
        (d.pk, d.doctor.pk, d.doctor.user.name) for d in by_orm
    ]
    assert [d.doctor.user.name for d in days] == ["Asha", "Meera", "Zubin"]
    assert sql.board_days("EYE", clock.today()) == (empty, [])
    assert sql.board_days("NOPE", clock.today()) == (None, [])


def test_the_queues_day_read_by_hand_is_the_orms(busy_day):
    day, _ = busy_day

    read = sql.day_with_doctor(day.doctor_id, day.date)

    assert _row(read) == _row(DoctorDay.objects.get(pk=day.pk))
    assert _row(read.doctor) == _row(day.doctor)
    assert sql.day_with_doctor(day.doctor_id, day.date + timedelta(days=1)) is None


def _row(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}
