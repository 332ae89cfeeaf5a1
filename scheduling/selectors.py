"""Allocation's reads: who may see what, free seats, waiting-list positions and the serving order.

Free seats are counted with the engine's own ``SlotSeats`` (the API's availability, the desk's
overview); ``serving_key`` is the one definition of the serving order, used by "call
next", the queue API, the console, the board and every estimated wait.
"""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import Patient
from doctors.models import Department, Doctor
from opd_site import clock
from scheduling import estimates, policy, sql
from scheduling.models import (
    ACTIVE_STATUSES,
    ADVANCE_SOURCES,
    HELD_STATUSES,
    DoctorDay,
    Slot,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.seats import DaySeats, SlotSeats
from scheduling.sql import place_held

# Who may see which tokens, and why a token is where it is ------------------------------------


def visible_tokens(user) -> QuerySet:
    """Tokens the viewer may see: staff all, a doctor their own patients', a patient their own."""
    tokens = Token.objects.select_related(
        "slot",
        "patient",
        "doctor_day__doctor__user",
        "doctor_day__doctor__department",
        "original_slot",
        "payment__taken_by",
        "fee_waived_by",
    )
    if getattr(user, "is_front_desk", False):
        return tokens
    if getattr(user, "role", None) == "doctor":
        return tokens.filter(doctor_day__doctor__user=user)
    if not user.is_authenticated:
        return tokens.none()
    return tokens.filter(patient__user=user)


def token_history(token: Token) -> QuerySet:
    """Why the token is where it is: its events, oldest first."""
    return (
        TokenEvent.objects.filter(token=token)
        .select_related("from_slot", "to_slot", "actor")
        .order_by("at", "id")
    )


# Free seats ----------------------------------------------------------------------------------


@dataclass
class SlotAvailability:
    slot: Slot
    capacity: int
    booked: int
    available: int
    emergency_free: int

    @classmethod
    def from_seats(cls, seats: SlotSeats) -> "SlotAvailability":
        now = clock.now()
        open_now = seats.is_open_at(now)
        return cls(
            slot=seats.slot,
            capacity=seats.capacity,
            booked=seats.regular + seats.emergency,
            available=max(0, seats.regular_free) if open_now else 0,
            emergency_free=max(0, seats.total_free) if open_now else 0,
        )


def day_availability(doctor_day: DoctorDay) -> list[SlotAvailability]:
    """Every slot of the day with seats booked and free (two queries, whatever the day holds)."""
    return [
        SlotAvailability.from_seats(seats) for seats in DaySeats(doctor_day, locked=False).slots
    ]


def doctor_slots(*, doctor: Doctor, day: date) -> list[SlotAvailability]:
    doctor_day = DoctorDay.objects.filter(doctor=doctor, date=day).select_related("doctor").first()
    return day_availability(doctor_day) if doctor_day else []


def slot_availability(slot: Slot) -> SlotAvailability:
    for availability in day_availability(slot.doctor_day):
        if availability.slot.id == slot.id:
            return availability
    raise Slot.DoesNotExist


def current_slot(*, doctor: Doctor) -> Slot | None:
    """The doctor's slot in progress now, else the next one today."""
    now = clock.now()
    return (
        Slot.objects.filter(
            doctor_day__doctor=doctor,
            doctor_day__date=clock.today(),
            status=Slot.Status.OPEN,
            end__gt=now,
        )
        .order_by("start")
        .first()
    )


# A patient's places --------------------------------------------------------------------------


def existing_place(*, doctor_day: DoctorDay, patient: Patient) -> dict | None:
    """The patient's active token or waiting entry on this doctor-day, if any (ids only)."""
    return place_held(doctor_day.id, patient.id)


def patient_tokens(*, patient: Patient, since: date | None = None) -> QuerySet:
    """The patient's tokens from ``since`` (default today) on, with what the desk shows."""
    since = since or clock.today()
    return (
        Token.objects.filter(patient=patient, doctor_day__date__gte=since)
        .select_related(
            "slot", "doctor_day__doctor__user", "doctor_day__doctor__department", "payment"
        )
        .order_by("slot__start", "number")
    )


def patient_waiting(*, patient: Patient, since: date | None = None) -> QuerySet:
    since = since or clock.today()
    return WaitingEntry.objects.filter(
        patient=patient, doctor_day__date__gte=since, status=WaitingEntry.Status.WAITING
    ).select_related("doctor_day__doctor__user")


# The waiting list ----------------------------------------------------------------------------


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


# The serving order and estimated waits -------------------------------------------------------


QUEUED_STATUSES = (TokenStatus.IN_CONSULTATION, TokenStatus.CHECKED_IN, TokenStatus.BOOKED)


@dataclass
class QueueItem:
    """A queued token's place and expected call: the time, and the range it should fall in
    (``scheduling.estimates``); ``baseline_time`` is the earlier rule's, for comparison (worked
    out when read: only the day's simulation reads it)."""

    token: Token
    position: int
    estimated_time: datetime
    estimated_wait_minutes: int
    estimated_from: datetime | None = None
    estimated_to: datetime | None = None
    baseline: Callable[[], datetime] | None = None

    @property
    def baseline_time(self) -> datetime | None:
        return self.baseline() if self.baseline is not None else None

    @property
    def estimate_moved_minutes(self) -> int:
        """Minutes the expected call lies past the slot's end (a backlog, an emergency): worth
        saying plainly; 0 while the call is expected within the slot."""
        if self.token.status == TokenStatus.IN_CONSULTATION:
            return 0
        late = (self.estimated_time - self.token.slot.end).total_seconds() / 60
        return max(0, round(late))


def serving_key(token: Token, now: datetime) -> tuple:
    """The one definition of the serving order: sort a day's queued tokens by it (``token.slot``
    is read).

    In consultation first (by slot, call time); then checked-in patients of started slots by
    priority, slot and check-in; then everyone else by slot, priority and number. Sorted in
    Python, not by the database: the day's queue is read whole anyway, and building this order
    as SQL expressions cost a fifth of a booking's CPU (``bench/README.md``).
    """
    consulting = token.status == TokenStatus.IN_CONSULTATION
    waiting_now = token.status == TokenStatus.CHECKED_IN and token.slot.start <= now
    group = 0 if consulting else 1 if waiting_now else 2
    since = token.called_at if consulting else token.checked_in_at if waiting_now else None
    return (
        group,
        -token.priority if waiting_now else 0,
        token.slot.start,
        # A missing time sorts last, as NULLS LAST.
        (since is None, since or token.slot.start),
        0 if consulting or waiting_now else -token.priority,
        token.number,
    )


def _items(tokens: list[Token], *, doctor_day: DoctorDay, now: datetime, pace) -> list[QueueItem]:
    """The day's queue (in serving order) with each token's estimate: one forward walk
    (``scheduling.estimates``), and the earlier rule beside it. No query."""
    found = estimates.estimate_queue(
        tokens, doctor_day=doctor_day, now=now, pace=pace, past=estimates.history(now)
    )
    items, per_slot = [], {}
    for ahead, (token, estimate) in enumerate(zip(tokens, found, strict=True)):
        in_slot = per_slot.get(token.slot_id, 0)
        per_slot[token.slot_id] = in_slot + 1
        items.append(
            QueueItem(
                token,
                ahead + 1,
                estimate.at,
                estimate.wait_minutes(now),
                estimated_from=estimate.earliest,
                estimated_to=estimate.latest,
                baseline=functools.partial(
                    estimates.baseline_estimate,
                    token,
                    ahead=ahead,
                    in_slot=in_slot,
                    now=now,
                    doctor_day=doctor_day,
                ),
            )
        )
    return items


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


def next_to_call(doctor_day: DoctorDay) -> Token | None:
    """Whom "call next" calls: the first checked-in token of a started slot in serving order."""
    now = clock.now()
    waiting = (
        queued_tokens([doctor_day.id])
        .filter(status=TokenStatus.CHECKED_IN, slot__start__lte=now)
        .select_related("slot", "patient")
    )
    return min(waiting, key=lambda token: serving_key(token, now), default=None)


def serving_order(*, doctor_day: DoctorDay) -> list[QueueItem]:
    """The day's tokens still to be seen, in the order the doctor will see them."""
    return serving_orders([doctor_day])[doctor_day.id]


def serving_orders(
    doctor_days: list[DoctorDay],
    *,
    adding: Sequence[Token] = (),
    tokens: Sequence[Token] | None = None,
) -> dict[int, list[QueueItem]]:
    """Several days' queues at once, each in serving order with its estimates: the same few
    queries however many days and tokens (``doctor_day.doctor`` is read). ``adding``: tokens
    not written yet, placed as if they were (their ``slot`` set). ``tokens``: the days' active
    tokens with their slots, by id, when the caller has just read them (none is read then)."""
    now = clock.now()
    by_id = {doctor_day.id: doctor_day for doctor_day in doctor_days}
    # The day's completed consultations come with the queue (one query): they give the pace.
    # Read by a hand-written statement: every booking reads its day's queue.
    statuses = (*QUEUED_STATUSES, TokenStatus.COMPLETED)
    if tokens is None:
        tokens = sql.day_tokens(list(by_id), statuses)
    else:
        tokens = [token for token in tokens if token.status in statuses]
    queues: dict[int, list[Token]] = {day_id: [] for day_id in by_id}
    done = []
    for token in [*tokens, *adding]:
        (done if token.status == TokenStatus.COMPLETED else queues[token.doctor_day_id]).append(
            token
        )
    # The consultations done too: the pace takes the latest by completion time, and ties keep
    # this order.
    for queue in [*queues.values(), done]:
        queue.sort(key=lambda token: serving_key(token, now))
    paces = estimates.paces(doctor_days, done)
    return {
        day_id: _items(queue, doctor_day=by_id[day_id], now=now, pace=paces[day_id])
        if queue
        else []
        for day_id, queue in queues.items()
    }


def queue_for(*, doctor: Doctor, day: date | None = None) -> list[QueueItem]:
    doctor_day = (
        DoctorDay.objects.select_related("doctor")
        .filter(doctor=doctor, date=day or clock.today())
        .first()
    )
    return serving_order(doctor_day=doctor_day) if doctor_day else []


def queue_item_for(token: Token) -> QueueItem | None:
    """The token's place in its day's queue, or None once it has left the queue.

    Its estimate depends on everyone ahead, so the day's queue is read in serving order (one
    query, with the day's slots only) and walked; ``token.doctor_day.doctor`` is read.
    """
    if token.status not in QUEUED_STATUSES:
        return None
    doctor_day = token.doctor_day
    for item in serving_orders([doctor_day])[doctor_day.id]:
        if item.token.pk == token.pk:
            item.token = token
            return item
    return None


def slip_token(reference: str, *, with_patient_language: bool = False) -> Token | None:
    """The token a printed slip names, for its public status (the API's token-status, the
    status page), or None: one hand-written statement (``scheduling.sql.slip_token``), as these
    polls are the most frequent reads of the day."""
    return sql.slip_token(reference, with_patient_language=with_patient_language)


def todays_day_with_doctor(doctor_id: int) -> DoctorDay | None:
    """The doctor's day today with ``doctor_day.doctor``, or None: one hand-written statement
    (``scheduling.sql.day_with_doctor``), as every poll of a doctor's public queue reads it."""
    return sql.day_with_doctor(doctor_id, clock.today())


def booking_doctor(pk: int) -> Doctor | None:
    """The doctor a booking names, with the end of their last leave (``last_leave_ends``, which
    ``ensure_doctor_available`` uses), their user's name and their department: one hand-written
    statement (``scheduling.sql.booking_doctor``), as every booking reads it."""
    return sql.booking_doctor(pk)


# The desk's overview of a day ----------------------------------------------------------------


@dataclass
class SlotOccupancy:
    """One slot as the desk sees it: the engine's own ``SlotSeats``, at a moment."""

    seats: SlotSeats
    now: datetime

    @property
    def slot(self) -> Slot:
        return self.seats.slot

    @property
    def capacity(self) -> int:
        return self.seats.capacity

    @property
    def emergency_reserve(self) -> int:
        return self.seats.reserve

    @property
    def walk_in_reserve(self) -> int:
        return self.slot.walk_in_reserve

    @property
    def booked(self) -> int:
        return self.seats.regular + self.seats.emergency

    @property
    def free(self) -> int:
        """Seats a walk-in could take now: what the engine would seat."""
        return max(0, self.seats.regular_free) if self.seats.is_open_at(self.now) else 0

    @property
    def is_open(self) -> bool:
        return self.slot.status == Slot.Status.OPEN

    @property
    def has_ended(self) -> bool:
        return self.slot.end <= self.now

    @property
    def is_current(self) -> bool:
        return self.slot.start <= self.now < self.slot.end

    @property
    def percent(self) -> int:
        """How full the slot is, for the bar (capped at 100)."""
        if self.capacity <= 0:
            return 100 if self.booked else 0
        return min(100, round(100 * self.booked / self.capacity))


@dataclass
class DoctorOverview:
    doctor: Doctor
    doctor_day: DoctorDay
    slots: list[SlotOccupancy] = field(default_factory=list)
    waiting: int = 0

    @property
    def delay_minutes(self) -> int:
        return self.doctor_day.delay_minutes

    @property
    def free_seats(self) -> int:
        return sum(seats.free for seats in self.slots)


@dataclass
class DepartmentOverview:
    department: Department
    doctors: list[DoctorOverview] = field(default_factory=list)


def counted_slots(slots: QuerySet) -> QuerySet:
    """``slots`` with the counts ``SlotSeats.counted`` reads, as ``scheduling.sql``'s statement
    counts them for one locked day: for the desk's many days at once, without the lock."""
    active = Q(tokens__status__in=ACTIVE_STATUSES)
    emergency = Q(tokens__priority__gte=policy.emergency_priority())
    regular = active & ~emergency
    return slots.annotate(
        n_regular=Count("tokens", filter=regular),
        n_advance=Count("tokens", filter=regular & Q(tokens__source__in=ADVANCE_SOURCES)),
        n_emergency=Count("tokens", filter=active & emergency),
        n_held=Count("tokens", filter=regular & Q(tokens__status__in=HELD_STATUSES)),
    )


def _slots_with_counts(day: date) -> QuerySet:
    return counted_slots(
        Slot.objects.filter(doctor_day__date=day)
        .select_related("doctor_day__doctor__user", "doctor_day__doctor__department")
        .order_by("doctor_day__doctor__department__name", "doctor_day__doctor__user__name", "start")
    )


def day_overview(*, day: date | None = None) -> list[DepartmentOverview]:
    """Today's doctors by department, each slot's occupancy, waiting-list length and delay.

    Two queries: the day's slots with their token counts, and the waiting-list counts.
    """
    day = day or clock.today()
    now = clock.now()
    waiting = dict(
        WaitingEntry.objects.filter(doctor_day__date=day, status=WaitingEntry.Status.WAITING)
        .order_by()
        .values_list("doctor_day")
        .annotate(n=Count("id"))
    )
    departments: dict[int, DepartmentOverview] = {}
    doctors: dict[int, DoctorOverview] = {}
    for slot in _slots_with_counts(day):
        doctor_day = slot.doctor_day
        doctor = doctor_day.doctor
        if doctor_day.id not in doctors:
            row = DoctorOverview(
                doctor=doctor, doctor_day=doctor_day, waiting=waiting.get(doctor_day.id, 0)
            )
            doctors[doctor_day.id] = row
            departments.setdefault(
                doctor.department_id, DepartmentOverview(department=doctor.department)
            ).doctors.append(row)
        doctors[doctor_day.id].slots.append(
            SlotOccupancy(seats=SlotSeats.counted(slot, doctor_day), now=now)
        )
    return list(departments.values())
