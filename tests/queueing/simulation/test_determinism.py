"""The same seed gives the same report, byte for byte; a re-run replaces the old hospital."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Patient
from opd_site import clock
from queueing.simulation.hospital import sim_doctors, sim_patients
from scheduling.models import Token

SMALL = ("--doctors", "2", "--patients", "30")


def test_the_same_seed_gives_the_same_report_byte_for_byte(simulate):
    first = simulate(*SMALL, "--seed", "11")
    second = simulate(*SMALL, "--seed", "11")

    assert first.error is None
    assert first.text == second.text
    assert first.last_line == "invariants held: yes"
    assert "wall_time_s" not in first.text
    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5), "the clock was not restored"


def test_the_report_says_at_the_top_that_everything_is_simulated(simulate):
    outcome = simulate(*SMALL, "--seed", "2")

    assert outcome.text.startswith("SIMULATED DAY")
    banner = " ".join(outcome.text.splitlines()[:3])
    assert "every department, doctor, patient and booking below is simulated" in banner
    assert "no real row is read or changed" in banner
    assert "Sim Patient 0001 to Sim Patient 0030" in outcome.text


def test_a_rerun_replaces_the_previous_simulated_hospital(simulate):
    simulate(*SMALL, "--seed", "3")
    outcome = simulate("--doctors", "1", "--patients", "12", "--seed", "3", timing=True)

    assert sim_doctors().count() == 1
    assert sim_patients().count() == 12
    assert Patient.objects.count() == 12
    assert not Token.objects.exclude(patient__in=sim_patients()).exists()
    lines = outcome.text.splitlines()
    assert lines[-1] == "invariants held: yes"
    assert any(line.startswith("wall_time_s ") for line in lines)
    assert any(line.startswith("events_per_s ") for line in lines)
