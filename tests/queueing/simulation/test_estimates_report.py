"""The day simulation reports how the estimates shown to patients came true."""

import re

SMALL = ("--doctors", "2", "--patients", "30", "--seed", "7")
KEYS = (
    "sim_estimate_p90_error_min_checkin",
    "sim_estimate_in_range_share",
    "sim_estimate_monotone_violations",
    "sim_estimate_baseline_p90_error_min_checkin",
)


def _figures(text: str) -> dict[str, str]:
    return dict(re.findall(r"^(sim_estimate_\w+) (\S+)$", text, flags=re.MULTILINE))


def test_the_report_has_an_estimates_section_with_its_figures(simulate):
    outcome = simulate(*SMALL)

    assert outcome.error is None
    assert "\nESTIMATES (" in outcome.text
    section = outcome.text.split("\nESTIMATES (", 1)[1]
    for shown in ("booking", "check-in", "poll"):
        assert re.search(rf"^  {shown} +\d+", section, flags=re.MULTILINE), shown
    figures = _figures(outcome.text)
    assert set(figures) == set(KEYS)
    assert float(figures["sim_estimate_p90_error_min_checkin"]) >= 0
    assert 0 <= float(figures["sim_estimate_in_range_share"]) <= 1


def test_estimates_never_go_backwards_along_the_serving_order_on_a_simulated_day(simulate):
    outcome = simulate(*SMALL)

    assert "monotonicity violations along the serving order: 0 " in outcome.text
    assert _figures(outcome.text)["sim_estimate_monotone_violations"] == "0"
