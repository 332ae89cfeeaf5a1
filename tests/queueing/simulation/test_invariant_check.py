"""The report's invariant check: it passes on the simulated day and fails, with exit code 1,
when the stored state is broken on purpose."""

from django.db.models import Count, Max, Q
from django.utils import timezone

from queueing.simulation.hospital import sim_doctor_days
from scheduling.models import ACTIVE_STATUSES, Slot, Source, Token
from tests.queueing.simulation.conftest import DAY

SMALL = ("--doctors", "2", "--patients", "30", "--seed", "5")


def test_the_check_holds_over_a_freshly_simulated_day(simulate):
    simulate(*SMALL)

    outcome = simulate("--check-only")

    assert outcome.error is None
    assert outcome.last_line == "invariants held: yes"


def test_a_slot_pushed_over_capacity_fails_the_check_with_exit_code_1(simulate):
    simulate(*SMALL)
    full = (
        Slot.objects.filter(doctor_day__in=sim_doctor_days().filter(date=DAY))
        .annotate(
            held=Count(
                "tokens",
                filter=Q(tokens__status__in=ACTIVE_STATUSES) & ~Q(tokens__source=Source.EMERGENCY),
            )
        )
        .filter(held__gte=2)
        .order_by("start")
        .first()
    )
    Slot.objects.filter(pk=full.pk).update(capacity=1)

    outcome = simulate("--check-only")

    assert outcome.error is not None and outcome.error.returncode == 1
    assert outcome.last_line == "invariants held: no"
    assert f"slot {timezone.localtime(full.start):%H:%M}" in outcome.text
    assert "> capacity 1" in outcome.text


def test_a_gap_in_the_token_numbers_fails_the_check(simulate):
    simulate(*SMALL)
    day = sim_doctor_days().filter(date=DAY).order_by("doctor__token_prefix").first()
    last = Token.objects.filter(doctor_day=day).aggregate(number=Max("number"))["number"]
    Token.objects.filter(doctor_day=day, number=last).update(number=last + 5)

    outcome = simulate("--check-only")

    assert outcome.error is not None and outcome.error.returncode == 1
    assert "token numbers are not" in outcome.text
    assert outcome.last_line == "invariants held: no"
