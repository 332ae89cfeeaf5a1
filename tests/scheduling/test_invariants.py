"""Property test: after any sequence of engine operations, every invariant of allocation.md holds.

A hypothesis state machine runs a small hospital (two doctors over Monday and Tuesday, three or
four small slots a day with emergency and walk-in reserves, eight patients) through every
operation the engine offers, in any order, with the clock moving forward between them. Refusals
(domain errors) are part of the game; anything else, and any broken invariant, fails the test.

``HYPOTHESIS_PROFILE=ci`` runs more and longer examples; ``thorough`` many more (tens of minutes).
``NO_SHRINK=1`` reports a failure as found, without shrinking it (quicker exploratory runs).
"""

import os
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Patient, Role, User
from doctors.models import Department, Doctor, DoctorLeave, DoctorSchedule
from opd_site import clock
from queueing.services import call_next, check_in, complete, requeue
from scheduling.errors import DomainError
from scheduling.invariants import check_invariants
from scheduling.models import (
    DoctorDay,
    IdempotencyKey,
    Notification,
    Payment,
    Refund,
    Slot,
    Source,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.cancellation import cancel_token, request_refund, set_refund_status
from scheduling.services.capacity import override_slot
from scheduling.services.delay import set_delay
from scheduling.services.emergencies import admit_emergency, fast_track
from scheduling.services.no_show import mark_no_show
from scheduling.services.payments import PaymentIntent, take_payment, waive_fee
from scheduling.services.requests import request_token
from scheduling.services.tick import run_tick
from scheduling.services.unavailability import cancel_slot, record_leave, set_availability
from scheduling.services.waiting_list import cancel_waiting
from tests import factories

MONDAY = datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo(django_settings.TIME_ZONE))
DATES = (MONDAY.date(), MONDAY.date() + timedelta(days=1))
PATIENTS = 8

PROFILES = {
    "default": {"max_examples": 40, "stateful_step_count": 25},
    "ci": {"max_examples": 80, "stateful_step_count": 35},
    "thorough": {"max_examples": 500, "stateful_step_count": 50},
}
PROFILE = PROFILES.get(os.environ.get("HYPOTHESIS_PROFILE", "default"), PROFILES["default"])
if os.environ.get("NO_SHRINK"):
    PROFILE = {**PROFILE, "phases": [Phase.explicit, Phase.reuse, Phase.generate]}
RUN_SETTINGS = settings(
    **PROFILE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)

examples_run = 0
index = st.integers(min_value=0, max_value=63)
sources = st.sampled_from([source.value for source in Source])


def _clear_database() -> None:
    """Delete every row an example wrote, children before parents."""
    for model in (
        Notification,
        Refund,
        Payment,
        TokenEvent,
        WaitingEntry,
        Token,
        Slot,
        DoctorDay,
        DoctorLeave,
        DoctorSchedule,
        IdempotencyKey,
        Doctor,
        Patient,
        User,
        Department,
    ):
        model._base_manager.all().delete()


class HospitalMachine(RuleBasedStateMachine):
    """Two doctors, Monday and Tuesday, eight patients and a clock that only moves forward."""

    def __init__(self):
        super().__init__()
        global examples_run
        examples_run += 1
        _clear_database()
        self.clock = clock.FrozenClock(MONDAY)
        clock.set_source(self.clock)
        self.staff = factories.UserFactory(role=Role.RECEPTIONIST)
        self.admin = factories.UserFactory(role=Role.ADMIN)
        self.doctors: list[Doctor] = []
        self.patients = [factories.PatientFactory() for _ in range(PATIENTS)]

    def teardown(self):
        clock.reset()
        _clear_database()

    @initialize(
        capacities=st.lists(st.integers(min_value=1, max_value=3), min_size=3, max_size=4),
        emergency_reserve=st.integers(min_value=0, max_value=1),
        walk_in_reserve=st.integers(min_value=0, max_value=1),
        paid=st.booleans(),
    )
    def open_the_hospital(self, capacities, emergency_reserve, walk_in_reserve, paid):
        fee = Decimal("300.00") if paid else Decimal("0")
        for _ in range(2):
            doctor = factories.DoctorFactory()
            self.doctors.append(doctor)
            for on in DATES:
                doctor_day = factories.DoctorDayFactory(doctor=doctor, date=on)
                for hour, capacity in enumerate(capacities, start=9):
                    factories.SlotFactory(
                        doctor_day=doctor_day,
                        start=factories.local_datetime(on, time(hour)),
                        end=factories.local_datetime(on, time(hour + 1)),
                        capacity=capacity,
                        emergency_reserve=emergency_reserve,
                        walk_in_reserve=min(walk_in_reserve, capacity) if hour % 2 else 0,
                        consultation_fee=fee,
                    )

    # -- picking ---------------------------------------------------------------------------

    def _doctor(self, i: int) -> Doctor:
        doctor = self.doctors[i % len(self.doctors)]
        doctor.refresh_from_db()
        return doctor

    def _token(self, i: int) -> Token | None:
        tokens = list(Token.objects.order_by("id"))
        return tokens[i % len(tokens)] if tokens else None

    def _slot(self, i: int) -> Slot:
        slots = list(Slot.objects.order_by("id"))
        return slots[i % len(slots)]

    def _attempt(self, operation, *args, **kwargs):
        """Run one engine operation; a refusal is a fine outcome, anything else is not."""
        try:
            return operation(*args, **kwargs)
        except DomainError:
            return None

    def _on_token(self, i: int, operation, **kwargs):
        token = self._token(i)
        if token is not None:
            self._attempt(operation, token=token, **kwargs)

    # -- requests --------------------------------------------------------------------------

    @rule(
        doctor=index,
        on=st.sampled_from(DATES),
        patient=index,
        source=sources,
        preferred=st.none() | index,
        paid=st.booleans(),
    )
    def request(self, doctor, on, patient, source, preferred, paid):
        preferred_slot = None
        if preferred is not None:
            preferred_slot = self._slot(preferred)
        self._attempt(
            request_token,
            doctor=self._doctor(doctor),
            day=on,
            source=source,
            patient=self.patients[patient % PATIENTS],
            preferred_slot=preferred_slot,
            actor=self.staff,
            payment=PaymentIntent(method="cash", reference="R-1") if paid else None,
        )

    @rule(doctor=index, patient=index)
    def emergency(self, doctor, patient):
        self._attempt(
            admit_emergency, doctor=self._doctor(doctor), patient=self.patients[patient % PATIENTS]
        )

    @rule(token=index)
    def fast_track(self, token):
        self._on_token(token, fast_track, actor=self.staff)

    # -- the day of a token ----------------------------------------------------------------

    @rule(token=index)
    def check_in(self, token):
        self._on_token(token, check_in)

    @rule(doctor=index, on=st.sampled_from(DATES))
    def call_next(self, doctor, on):
        self._attempt(call_next, doctor=self._doctor(doctor), day=on)

    @rule(token=index)
    def requeue(self, token):
        self._on_token(token, requeue)

    @rule(token=index)
    def complete(self, token):
        self._on_token(token, complete)

    @rule(token=index, as_staff=st.booleans())
    def cancel(self, token, as_staff):
        self._on_token(token, cancel_token, actor=self.staff if as_staff else None)

    @rule(token=index)
    def request_refund(self, token):
        self._on_token(token, request_refund)

    # -- money -----------------------------------------------------------------------------

    @rule(token=index, method=st.sampled_from(["cash", "upi", "card"]))
    def take_payment(self, token, method):
        found = self._token(token)
        if found is not None:
            self._attempt(
                take_payment, token=found, amount=found.fee, method=method, actor=self.staff
            )

    @rule(token=index)
    def waive_fee(self, token):
        self._on_token(token, waive_fee, reason="Hardship", actor=self.admin)

    @rule(refund=index, status=st.sampled_from(["approved", "rejected", "paid"]))
    def decide_refund(self, refund, status):
        refunds = list(Refund.objects.order_by("id"))
        if refunds:
            self._attempt(
                set_refund_status,
                refund=refunds[refund % len(refunds)],
                status=status,
                actor=self.admin,
            )

    @rule(token=index)
    def no_show(self, token):
        self._on_token(token, mark_no_show, actor=self.staff)

    @rule(entry=index)
    def leave_waiting_list(self, entry):
        entries = list(WaitingEntry.objects.order_by("id"))
        if entries:
            self._attempt(cancel_waiting, entry=entries[entry % len(entries)])

    # -- the hospital's changes ------------------------------------------------------------

    @rule(slot=index)
    def cancel_slot(self, slot):
        self._attempt(cancel_slot, slot=self._slot(slot), actor=self.staff)

    @rule(
        doctor=index,
        on=st.sampled_from(DATES),
        minutes=st.sampled_from([0, 10, 20, 30, 45, 60, 90]),
    )
    def set_delay(self, doctor, on, minutes):
        self._attempt(
            set_delay, doctor=self._doctor(doctor), day=on, minutes=minutes, actor=self.staff
        )

    @rule(
        slot=index,
        capacity=st.none() | st.integers(min_value=0, max_value=4),
        emergency_reserve=st.none() | st.integers(min_value=0, max_value=2),
        walk_in_reserve=st.none() | st.integers(min_value=0, max_value=2),
    )
    def override(self, slot, capacity, emergency_reserve, walk_in_reserve):
        self._attempt(
            override_slot,
            slot=self._slot(slot),
            capacity=capacity,
            emergency_reserve=emergency_reserve,
            walk_in_reserve=walk_in_reserve,
            actor=self.staff,
        )

    @rule(doctor=index, on=st.sampled_from(DATES))
    def record_leave(self, doctor, on):
        self._attempt(record_leave, doctor=self._doctor(doctor), start=on, end=on, actor=self.staff)

    @rule(doctor=index, available=st.booleans())
    def set_availability(self, doctor, available):
        self._attempt(
            set_availability, doctor=self._doctor(doctor), is_available=available, actor=self.staff
        )

    @rule(minutes=st.integers(min_value=1, max_value=150))
    def time_passes(self, minutes):
        self.clock.advance(minutes=minutes)
        run_tick()

    # -- what must always hold -------------------------------------------------------------

    @invariant()
    def every_invariant_holds(self):
        assert check_invariants() == []

    @invariant()
    def no_active_token_sits_in_a_cancelled_slot_waiting_to_be_seen(self):
        stranded = Token.objects.filter(
            slot__status=Slot.Status.CANCELLED,
            status__in=(TokenStatus.BOOKED, TokenStatus.CHECKED_IN),
        )
        assert not stranded.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_invariants_hold_after_any_sequence_of_operations(capsys):
    run_state_machine_as_test(HospitalMachine, settings=RUN_SETTINGS)

    with capsys.disabled():
        print(
            f"\nhypothesis state machine: {examples_run} examples, up to "
            f"{PROFILE['stateful_step_count']} steps each"
        )
    assert examples_run >= PROFILE["max_examples"]
