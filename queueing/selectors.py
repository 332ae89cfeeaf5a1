"""Reads of the live queue: waiting-list positions, the serving order and estimated waits."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from doctors.models import Doctor
from queueing.models import WaitingEntry
from scheduling import clock
from scheduling.models import DoctorDay, Token, TokenStatus
from scheduling.services.seating import estimated_start

QUEUED_STATUSES = (TokenStatus.IN_CONSULTATION, TokenStatus.CHECKED_IN, TokenStatus.BOOKED)


def _ahead_of(entry_ref) -> Q:
    """Entries of the same day ranked ahead: higher priority, or equal and requested earlier."""
    return (
        Q(priority__gt=entry_ref("priority"))
        | Q(priority=entry_ref("priority"), requested_at__lt=entry_ref("requested_at"))
        | Q(
            priority=entry_ref("priority"),
            requested_at=entry_ref("requested_at"),
            id__lt=entry_ref("id"),
        )
    )


def with_positions(entries: QuerySet) -> QuerySet:
    """Annotate ``position`` (1 = next to be seated) on waiting entries; None once closed."""
    ahead = (
        WaitingEntry.objects.filter(
            _ahead_of(OuterRef),
            doctor_day=OuterRef("doctor_day"),
            status=WaitingEntry.Status.WAITING,
        )
        .order_by()
        .values("doctor_day")
        .annotate(n=Count("id"))
        .values("n")
    )
    return entries.annotate(ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)))


def position_of(entry: WaitingEntry) -> int | None:
    if entry.status != WaitingEntry.Status.WAITING:
        return None
    ahead = getattr(entry, "ahead", None)
    if ahead is None:
        ahead = WaitingEntry.objects.filter(
            _ahead_of(lambda field: getattr(entry, field)),
            doctor_day_id=entry.doctor_day_id,
            status=WaitingEntry.Status.WAITING,
        ).count()
    return ahead + 1


def visible_waiting(user) -> QuerySet:
    """Entries the viewer may see: staff all, a patient their own, a doctor theirs."""
    entries = WaitingEntry.objects.select_related(
        "doctor_day__doctor__user", "doctor_day__doctor__department", "patient"
    )
    if getattr(user, "is_front_desk", False):
        return entries
    if getattr(user, "role", None) == "doctor":
        return entries.filter(doctor_day__doctor__user=user)
    return entries.filter(patient__user=user) if user.is_authenticated else entries.none()


@dataclass
class QueueItem:
    token: Token
    position: int
    estimated_time: datetime
    estimated_wait_minutes: int


def serving_order_keys(now: datetime) -> list:
    """The one definition of the serving order, as database ordering expressions.

    In consultation first (by slot, call time); then checked-in patients of started slots by
    priority, slot and check-in; then everyone else by slot, priority and number.
    """
    waiting_now = Q(status=TokenStatus.CHECKED_IN, slot__start__lte=now)
    group = Case(
        When(status=TokenStatus.IN_CONSULTATION, then=Value(0)),
        When(waiting_now, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return [
        group.asc(),
        Case(
            When(waiting_now, then=-F("priority")), default=Value(0), output_field=IntegerField()
        ).asc(),
        F("slot__start").asc(),
        Case(
            When(status=TokenStatus.IN_CONSULTATION, then=F("called_at")),
            When(waiting_now, then=F("checked_in_at")),
            default=None,
        ).asc(nulls_last=True),
        Case(
            When(~Q(status=TokenStatus.IN_CONSULTATION) & ~waiting_now, then=-F("priority")),
            default=Value(0),
            output_field=IntegerField(),
        ).asc(),
        F("number").asc(),
    ]


def serving_rank(now: datetime) -> Window:
    """Each queued token's place in its day's serving order (1 = first), for many days at once."""
    return Window(RowNumber(), partition_by=[F("doctor_day_id")], order_by=serving_order_keys(now))


def _estimate(
    token: Token, *, ahead: int, in_slot: int, now: datetime, doctor_day: DoctorDay
) -> QueueItem:
    """A queued token's item: ``ahead`` tokens before it, ``in_slot`` of them in its slot.

    The estimate is the tokens ahead times the doctor's rolling average, never before the slot
    starts (the delay taken into account).
    """
    average = float(doctor_day.doctor.average_consultation_minutes)
    by_queue = now + timedelta(minutes=ahead * average)
    by_slot = estimated_start(token.slot, doctor_day) + timedelta(minutes=in_slot * average)
    at = max(by_queue, by_slot)
    wait = max(0, math.ceil((at - now).total_seconds() / 60))
    return QueueItem(token, ahead + 1, at, wait)


def queued_tokens(doctor_day_ids: list[int]) -> QuerySet:
    """The tokens still to be seen on these doctor-days.

    The serving order joins each token's slot. The slots are filtered by the same days (a
    token's slot is always of its own day), so PostgreSQL reads just those days' slots by index.
    Without it, statistics that expect many queued tokens a day led it to hash the whole slot
    table, which grows with every day ever scheduled.
    """
    return Token.objects.filter(
        doctor_day_id__in=doctor_day_ids,
        slot__doctor_day_id__in=doctor_day_ids,
        status__in=QUEUED_STATUSES,
    )


def serving_order(*, doctor_day: DoctorDay) -> list[QueueItem]:
    """The day's tokens still to be seen, in the order the doctor will see them."""
    now = clock.now()
    tokens = (
        queued_tokens([doctor_day.id]).select_related("slot").order_by(*serving_order_keys(now))
    )
    items, per_slot = [], {}
    for ahead, token in enumerate(tokens):
        in_slot = per_slot.get(token.slot_id, 0)
        per_slot[token.slot_id] = in_slot + 1
        items.append(_estimate(token, ahead=ahead, in_slot=in_slot, now=now, doctor_day=doctor_day))
    return items


def queue_for(*, doctor: Doctor, day: date | None = None) -> list[QueueItem]:
    doctor_day = (
        DoctorDay.objects.select_related("doctor")
        .filter(doctor=doctor, date=day or clock.today())
        .first()
    )
    return serving_order(doctor_day=doctor_day) if doctor_day else []


def queue_item_for(token: Token) -> QueueItem | None:
    """The token's place in its day's queue, or None once it has left the queue.

    The database ranks the day's queued tokens in the serving order and returns this token's
    place and how many of its own slot are ahead of it, so one token's place costs one query
    however long the day's queue is. ``token.slot`` and ``token.doctor_day.doctor`` are read.
    """
    if token.status not in QUEUED_STATUSES:
        return None
    now = clock.now()
    ranked = (
        queued_tokens([token.doctor_day_id])
        .annotate(place=serving_rank(now))
        .order_by()
        .values("id", "slot_id", "place")
    )
    sql, params = ranked.query.sql_with_params()
    with connection.cursor() as cursor:
        # The inner statement is Django's own, with its values as parameters.
        cursor.execute(
            f"WITH ranked AS ({sql}) "  # noqa: S608
            "SELECT me.place, (SELECT COUNT(*) FROM ranked r "
            "WHERE r.slot_id = me.slot_id AND r.place < me.place) "
            "FROM ranked me WHERE me.id = %s",
            [*params, token.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    place, in_slot = row
    return _estimate(token, ahead=place - 1, in_slot=in_slot, now=now, doctor_day=token.doctor_day)
