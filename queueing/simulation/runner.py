"""The discrete-event loop: a heap of (time, seq, event), each event run at its simulated time.

Every change goes through the engine's services with the project's clock set to the event's
moment; the loop keeps only what a person in the hospital would know (who is at the desk, which
token a patient holds, whether a doctor is free). A refused request is counted by its code.
"""

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import perf_counter

from accounts.models import Patient
from doctors.models import Doctor
from opd_site.clock import FrozenClock
from queueing.services import call_next, check_in, complete
from queueing.simulation.demand import (
    SCENARIOS,
    AdvanceRequest,
    Arrival,
    DemandPlan,
    default_total,
    plan_day,
)
from queueing.simulation.estimates import POLL_MINUTES, Observer
from queueing.simulation.hospital import (
    SimDoctor,
    SimHospital,
    build_hospital,
    design_doctors,
    local,
    remove_previous,
    slot_starts,
)
from scheduling import policy
from scheduling.errors import DoctorNotWorking, DoctorUnavailable, DomainError, QueueEmpty
from scheduling.models import (
    DoctorDay,
    EventKind,
    IdempotencyKey,
    Notification,
    PaymentMethod,
    PaymentState,
    Slot,
    Source,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.cancellation import cancel_token, request_refund
from scheduling.services.delay import set_delay
from scheduling.services.outcomes import Allocation
from scheduling.services.payments import PaymentIntent
from scheduling.services.requests import request_token
from scheduling.services.tick import run_tick
from scheduling.services.unavailability import cancel_slot
from scheduling.services.waiting_list import cancel_waiting

TICK_MINUTES = 5
TICKS = (time(8, 0), time(13, 30))
DELAY_RECORDED_AT = time(7, 0)  # the late doctor phones in before the day starts
ARRIVALS_ARRANGED_AT = time(7, 30)  # booked patients set out for their slots
REROUTED_ON = (DoctorNotWorking.code, DoctorUnavailable.code)
EMERGENCY_LENGTH = 1.3  # emergencies take longer than the doctor's usual consultation
SPREAD = 0.3  # consultation lengths: normal around the doctor's mean, this relative spread
TRAVEL_MINUTES = 20  # a patient told of a seat on the day needs this long to reach the OPD


@dataclass
class PatientState:
    """What the patient knows: the token or waiting entry they hold, and where they are."""

    patient: Patient
    request: AdvanceRequest | None = None
    token: Token | None = None
    entry: WaitingEntry | None = None
    present: bool = False
    checked_in: bool = False
    gone: bool = False
    patience: float = 60.0


@dataclass
class Session:
    """One doctor seeing patients on one date."""

    doctor: Doctor
    day: date
    average: float
    starts_at: datetime
    started: bool = False
    busy: bool = False
    waiting_room: int = 0  # patients checked in and not yet called (the doctor can see them)


@dataclass
class RunStats:
    events: int = 0
    service_calls: int = 0
    calls: Counter = field(default_factory=Counter)  # by service name
    seconds: Counter = field(default_factory=Counter)  # wall seconds by service name (timing only)
    refusals: Counter = field(default_factory=Counter)  # by (code, service name)
    queue_empty: int = 0
    rerouted: int = 0
    ticks: int = 0
    scoped_ticks: int = 0
    first_event: datetime | None = None
    last_event: datetime | None = None


class Simulation:
    """Plays a ``DemandPlan`` on a ``SimHospital`` through the engine's services."""

    def __init__(
        self, *, hospital: SimHospital, plan: DemandPlan, rng: random.Random, clock: FrozenClock
    ):
        self.hospital = hospital
        self.plan = plan
        self.rng = rng
        self.clock = clock
        self.day = hospital.day
        self.stats = RunStats()
        self.heap: list = []
        self.seq = 0
        self.last_refusal = ""
        self.watermark = 0
        self.doctors: dict[int, SimDoctor] = {doctor.index: doctor for doctor in hospital.doctors}
        self.day_ids = [doctor.day.id for doctor in hospital.doctors]
        self.today_ids = set(self.day_ids)
        self.arranged_at = local(self.day, ARRIVALS_ARRANGED_AT)
        self.watched_day_ids = self.day_ids + [row.id for row in hospital.next_days.values()]
        self.all_day_ids = self.watched_day_ids + [row.id for row in hospital.history_days.values()]
        self.sim_doctor_ids = [doctor.doctor.id for doctor in hospital.doctors]
        self.states: dict[int, PatientState] = {}
        self.sessions: dict[int, Session] = {}
        self.observer = Observer(doctor_days=[doctor.day for doctor in hospital.doctors])

    @property
    def now(self) -> datetime:
        return self.clock.at

    def patient(self, number: int) -> PatientState:
        patient = self.hospital.patients[number - 1]
        state = self.states.get(patient.id)
        if state is None:
            state = self.states[patient.id] = PatientState(patient=patient)
        return state

    # The loop ------------------------------------------------------------------------------

    def push(self, at: datetime, handler: Callable, *args) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, handler, args))

    def run(self) -> RunStats:
        self._schedule()
        while self.heap:
            at, _, handler, args = heapq.heappop(self.heap)
            if at < self.now:
                raise RuntimeError("simulated time went backwards")
            self.clock.set(at)
            self.stats.events += 1
            self.stats.first_event = self.stats.first_event or at
            self.stats.last_event = at
            handler(*args)
        return self.stats

    def _call(self, service: Callable, **kwargs):
        """One engine call; a refusal is counted by its code and answered with None."""
        self.stats.service_calls += 1
        self.stats.calls[service.__name__] += 1
        self.last_refusal = ""
        began = perf_counter()
        try:
            return service(**kwargs)
        except QueueEmpty:
            self.stats.queue_empty += 1
        except DomainError as refusal:
            self.stats.refusals[refusal.code, service.__name__] += 1
            self.last_refusal = refusal.code
        finally:
            self.stats.seconds[service.__name__] += perf_counter() - began
        return None

    def _schedule(self) -> None:
        """Put every planned event on the heap, in a fixed order for ties."""
        day, plan = self.day, self.plan
        for visit in plan.history:
            past_day = self.hospital.history_days[visit.doctor, visit.day]
            if past_day.id not in self.sessions:
                session = self._session(self.doctors[visit.doctor], past_day)
                self.push(session.starts_at, self._session_start, session)
            self.push(
                visit.at, self._history_visit, self.patient(visit.patient), visit.doctor, visit.day
            )
        for request in plan.advance:
            state = self.patient(request.patient)
            state.request, state.patience = request, request.patience
            self.push(request.at, self._advance_request, state)
        if plan.delayed_doctor is not None:
            self.push(local(day, DELAY_RECORDED_AT), self._delay)
        self.push(local(day, ARRIVALS_ARRANGED_AT), self._arrange_arrivals)
        if plan.leave_doctor is not None:
            self.push(local(day, plan.scenario.leave_at), self._leave)
        tick, last_tick = local(day, TICKS[0]), local(day, TICKS[1])
        while tick <= last_tick:
            self.push(tick, self._tick)
            tick += timedelta(minutes=TICK_MINUTES)
        late = timedelta(minutes=plan.scenario.delay_minutes)
        for doctor in self.hospital.doctors:
            session = self._session(doctor, doctor.day)
            if doctor.index == plan.delayed_doctor:
                session.starts_at += late
            self.push(session.starts_at, self._session_start, session)
            for start in slot_starts(day):
                self.push(start, self._slot_start, session)
        for arrival in [*plan.walk_ins, *plan.emergencies]:
            state = self.patient(arrival.patient)
            state.patience = arrival.patience
            self.push(arrival.at, self._desk_arrival, state, arrival)

    def _session(self, doctor: SimDoctor, doctor_day: DoctorDay) -> Session:
        session = self.sessions.get(doctor_day.id)
        if session is None:
            session = self.sessions[doctor_day.id] = Session(
                doctor=doctor.doctor,
                day=doctor_day.date,
                average=doctor.design.average,
                starts_at=local(doctor_day.date, time(9, 0)),
            )
        return session

    # Patients ------------------------------------------------------------------------------

    def _history_visit(self, state: PatientState, doctor: int, day: date) -> None:
        """A past consultation (walk-in, seen and completed) that a follow-up will build on."""
        allocation = self._call(
            request_token,
            doctor=self.doctors[doctor].doctor,
            day=day,
            source=Source.WALK_IN,
            patient=state.patient,
            actor=self.hospital.desk,
        )
        if allocation is not None and allocation.token is not None:
            self._check_in(allocation.token)

    def _advance_request(self, state: PatientState) -> None:
        request = state.request
        doctor = self.doctors[request.doctor]
        # Paid priority is sold at the desk, which takes the fee with the booking.
        sold = request.source == Source.PRIORITY
        allocation = self._call(
            request_token,
            doctor=doctor.doctor,
            day=self.day,
            source=request.source,
            patient=state.patient,
            preferred_slot=doctor.slots[request.slot_index],
            actor=self.hospital.desk if sold else None,
            payment=PaymentIntent(method=PaymentMethod.CASH) if sold else None,
        )
        self._hold(state, allocation)
        self._shown(allocation, "booking")
        if request.cancel_at is not None:
            self.push(max(request.cancel_at, self.now), self._cancel, state)

    def _shown(self, allocation: Allocation | None, kind: str) -> None:
        if allocation is not None and allocation.token is not None:
            self.observer.shown(allocation.token, kind, self.now)

    def _hold(self, state: PatientState, allocation: Allocation | None) -> None:
        if allocation is None:
            state.gone = True
        elif allocation.token is not None:
            state.token, state.entry = allocation.token, None
        else:
            state.entry = allocation.waiting

    def _cancel(self, state: PatientState) -> None:
        """The patient cancels (those who paid ask for their refund), or leaves the waiting list."""
        if state.gone:
            return
        state.gone = True
        if state.token is not None:
            token = self._call(cancel_token, token=state.token, reason="Cancelled by the patient.")
            if token is not None and token.payment_state == PaymentState.PAID:
                self._call(request_refund, token=token, reason="Cancelled booking.")
        elif state.entry is not None:
            self._call(cancel_waiting, entry=state.entry, reason="No longer needed.")
        self._poll_promotions()

    def _arrange_arrivals(self) -> None:
        """On the morning, each booked patient who will come sets out for their slot."""
        booked = (
            Token.objects.filter(doctor_day_id__in=self.day_ids, status=TokenStatus.BOOKED)
            .values_list("id", "doctor_day_id", "patient_id", "slot__start")
            .order_by("doctor_day_id", "number")
        )
        for token_id, day_id, patient_id, start in booked:
            state = self.states.get(patient_id)
            if state is None or state.request is None:
                continue
            state.token, state.entry = Token(pk=token_id, doctor_day_id=day_id), None
            self._set_out(state, start)
        waiting = (
            WaitingEntry.objects.filter(
                doctor_day_id__in=self.day_ids, status=WaitingEntry.Status.WAITING
            )
            .select_related("doctor_day")
            .order_by("doctor_day_id", "-priority", "requested_at", "id")
        )
        starts = slot_starts(self.day)
        for entry in waiting:
            state = self.states.get(entry.patient_id)
            if state is None or state.request is None:
                continue
            state.token, state.entry = None, entry
            self._set_out(state, starts[state.request.slot_index])

    def _set_out(self, state: PatientState, slot_start: datetime) -> None:
        request = state.request
        if state.gone or request.no_show or (request.cancel_at and request.cancel_at > self.now):
            return
        arrives = slot_start + timedelta(minutes=request.arrival_offset)
        self.push(max(arrives, self.now), self._arrive, state)

    def _arrive(self, state: PatientState) -> None:
        if state.gone:
            return
        state.present = True
        if state.token is not None and not state.checked_in:
            state.checked_in = self._check_in(state.token) is not None
            state.gone = not state.checked_in
        elif state.entry is not None:
            self.push(self.now + timedelta(minutes=state.patience), self._give_up, state)

    def _give_up(self, state: PatientState) -> None:
        if state.gone or state.token is not None or state.entry is None:
            return
        if state.entry.expires_at <= self.now:
            return  # the list has closed for the day; the tick expired the entry
        state.gone = True
        self._call(cancel_waiting, entry=state.entry, reason="Left the OPD after waiting.")

    def _desk_arrival(self, state: PatientState, arrival: Arrival, rerouted: bool = False) -> None:
        """A walk-in or an emergency at the desk; if the doctor has stopped, another one."""
        allocation = self._call(
            request_token,
            doctor=self.doctors[arrival.doctor].doctor,
            day=self.day,
            source=arrival.source,
            patient=state.patient,
            actor=self.hospital.desk,
        )
        if allocation is None and self.last_refusal in REROUTED_ON and not rerouted:
            other = self._other_doctor(arrival.doctor)
            if other is not None:
                self.stats.rerouted += 1
                moved = Arrival(
                    arrival.patient, other, arrival.at, arrival.source, arrival.patience
                )
                return self._desk_arrival(state, moved, rerouted=True)
        self._hold(state, allocation)
        self._shown(allocation, "booking")
        state.present = not state.gone
        if state.token is not None:
            state.checked_in = self._check_in(state.token) is not None
        elif state.entry is not None:
            self.push(self.now + timedelta(minutes=state.patience), self._give_up, state)
        return None

    def _other_doctor(self, index: int) -> int | None:
        """The next doctor of the same department, else the next doctor of the hospital."""
        ordered = sorted(self.doctors)
        after = ordered[ordered.index(index) + 1 :] + ordered[: ordered.index(index)]
        department = self.doctors[index].design.department_code
        same = [
            other for other in after if self.doctors[other].design.department_code == department
        ]
        return (same or after or [None])[0]

    def _check_in(self, token: Token) -> Token | None:
        fresh = self._call(check_in, token=token, actor=self.hospital.desk)
        if fresh is not None:
            self.observer.shown(fresh, "check-in", self.now)
        session = self.sessions.get(fresh.doctor_day_id) if fresh is not None else None
        if session is not None:
            session.waiting_room += 1
            if fresh.slot.start <= self.now:
                self._try_call(session)
        return fresh

    def _poll_promotions(self) -> None:
        """Patients promoted from the waiting list hear of it; those at the OPD check in."""
        promoted = (
            TokenEvent.objects.filter(
                id__gt=self.watermark,
                kind=EventKind.PROMOTED,
                doctor_day_id__in=self.watched_day_ids,
            )
            .values_list(
                "id", "token_id", "token__doctor_day_id", "token__patient_id", "to_slot__start"
            )
            .order_by("id")
        )
        for event_id, token_id, day_id, patient_id, slot_start in promoted:
            self.watermark = event_id
            state = self.states.get(patient_id)
            if state is None or state.gone:
                continue
            state.token, state.entry = Token(pk=token_id, doctor_day_id=day_id), None
            if state.present and not state.checked_in:
                state.checked_in = self._check_in(state.token) is not None
            elif (
                state.request is not None
                and day_id in self.today_ids
                and self.now >= self.arranged_at
            ):
                # Told of a seat on the day: they set out for it, or come at once if it has begun.
                travel = self.now + timedelta(minutes=TRAVEL_MINUTES)
                arrives = slot_start + timedelta(minutes=state.request.arrival_offset)
                self.push(max(travel, arrives), self._arrive, state)

    # The hospital --------------------------------------------------------------------------

    def _delay(self) -> None:
        doctor = self.doctors[self.plan.delayed_doctor]
        minutes = self.plan.scenario.delay_minutes
        result = self._call(
            set_delay,
            doctor=doctor.doctor,
            day=self.day,
            minutes=minutes,
            actor=self.hospital.desk,
            reason=f"{doctor.design.name} starts {minutes} minutes late.",
        )
        for rehomed in result[1] if result else []:
            state = self.states.get(rehomed.token.patient_id)
            if state is not None and rehomed.outcome == "cancelled":
                state.token, state.entry = None, rehomed.waiting
                state.gone = rehomed.waiting is None
        self._poll_promotions()

    def _leave(self) -> None:
        """The doctor is called away: their slots from now on are cancelled, latest first."""
        doctor = self.doctors[self.plan.leave_doctor]
        slots = Slot.objects.filter(
            doctor_day_id=doctor.day.id, status=Slot.Status.OPEN, start__gte=self.now
        ).select_related("doctor_day__doctor")
        reason = f"{doctor.design.name} is unavailable from {self.now:%H:%M}."
        for slot in slots.order_by("-start"):
            for rehomed in (
                self._call(cancel_slot, slot=slot, actor=self.hospital.desk, reason=reason) or []
            ):
                state = self.states.get(rehomed.token.patient_id)
                if state is not None and rehomed.outcome == "cancelled":
                    state.gone, state.token = True, None
        self._poll_promotions()

    def _tick(self) -> None:
        """``run_tick`` every five simulated minutes; scoped to the simulated doctor-days when
        real rows are within its reach, so a simulation never touches them."""
        self.stats.ticks += 1
        scope = None
        if self._real_rows_within_reach():
            self.stats.scoped_ticks += 1
            scope = self.watched_day_ids
        self._call(run_tick, doctor_day_ids=scope)
        self._poll_promotions()
        if (self.stats.ticks - 1) % (POLL_MINUTES // TICK_MINUTES) == 0:
            self.observer.poll(self.now)

    def _real_rows_within_reach(self) -> bool:
        """Would ``run_tick`` at this simulated moment change a real row?

        Booked tokens past grace, waiting entries, due messages and lapsed idempotency keys are
        all within its reach; the simulated hospital creates none of the last two.
        """
        cutoff = self.now - timedelta(minutes=policy.no_show_grace_minutes())
        tokens = Token.objects.filter(status=TokenStatus.BOOKED, slot__start__lte=cutoff).exclude(
            doctor_day__doctor_id__in=self.sim_doctor_ids
        )
        entries = WaitingEntry.objects.filter(status=WaitingEntry.Status.WAITING).exclude(
            doctor_day__doctor_id__in=self.sim_doctor_ids
        )
        messages = Notification.objects.filter(
            status__in=(Notification.Status.PENDING, Notification.Status.FAILED),
            next_attempt_at__lte=self.now,
        )
        keys = IdempotencyKey.objects.filter(
            created_at__lte=self.now - timedelta(hours=policy.idempotency_key_hours())
        )
        return tokens.exists() or entries.exists() or messages.exists() or keys.exists()

    # Doctors -------------------------------------------------------------------------------

    def _session_start(self, session: Session) -> None:
        session.started = True
        self._try_call(session)

    def _slot_start(self, session: Session) -> None:
        self._try_call(session)

    def _try_call(self, session: Session) -> None:
        if session.busy or not session.started or not session.waiting_room:
            return
        token = self._call(
            call_next, doctor=session.doctor, day=session.day, actor=session.doctor.user
        )
        if token is None:
            return
        session.busy = True
        session.waiting_room -= 1
        mean = session.average * (EMERGENCY_LENGTH if token.source == Source.EMERGENCY else 1.0)
        minutes = max(2.0, self.rng.gauss(mean, mean * SPREAD))
        self.push(
            self.now + timedelta(seconds=round(minutes * 60)), self._consult_end, session, token
        )

    def _consult_end(self, session: Session, token: Token) -> None:
        self._call(complete, token=token, actor=session.doctor.user)
        session.busy = False
        self._try_call(session)


@dataclass
class DayRun:
    hospital: SimHospital
    plan: DemandPlan
    stats: RunStats
    observer: Observer


def simulate(
    *, day: date, doctors: int, patients: int | None, scenario: str, seed: int, clock: FrozenClock
) -> DayRun:
    """Draw the hospital and its demand, rebuild the simulated hospital, and play the day."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable simulation, not a secret
    chosen = SCENARIOS[scenario]
    designs = design_doctors(doctors, rng)
    total = patients if patients is not None else default_total(chosen, designs, day)
    plan = plan_day(scenario=chosen, designs=designs, day=day, total=total, rng=rng)
    remove_previous()
    hospital = build_hospital(
        day=day, designs=designs, patient_count=plan.total, history=plan.history_counts()
    )
    simulation = Simulation(hospital=hospital, plan=plan, rng=rng, clock=clock)
    stats = simulation.run()
    return DayRun(hospital=hospital, plan=plan, stats=stats, observer=simulation.observer)
