"""``--html`` writes one self-contained page, with every text escaped."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from queueing.simulation.report import DayReport, DoctorLine, SlotLine, SourceLine, render_html
from scheduling.models import Source


def test_the_html_report_is_one_self_contained_page_with_three_charts(simulate, tmp_path):
    page = tmp_path / "day.html"

    outcome = simulate("--doctors", "2", "--patients", "24", "--seed", "6", "--html", str(page))

    html = page.read_text(encoding="utf-8")
    assert outcome.last_line == "invariants held: yes"
    assert html.count("<svg") == 3
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "https://" not in html
    assert html.replace('xmlns="http://www.w3.org/2000/svg"', "").count("http://") == 0
    assert "Everything on this page is simulated" in html
    assert "S01 Sim Doctor 01" in html
    assert "invariants held: yes" in html


def test_text_in_tables_and_charts_is_escaped():
    start = datetime(2026, 3, 9, 9, tzinfo=ZoneInfo(settings.TIME_ZONE))
    hostile = "<script>alert(1)</script>"
    slot = SlotLine(
        start=start, capacity=4, effective=4, cancelled_slot=False, held={Source.ONLINE: 2}
    )
    doctor = DoctorLine(
        prefix="S01", name=hostile, department="<b>dept</b>", mean_minutes=10, running_average=10,
        delay_minutes=0, slots=[slot],
    )  # fmt: skip
    report = DayReport(
        header=[("scenario", hostile)],
        doctors=[doctor],
        sources=[SourceLine(Source.ONLINE, tokens=2, waits=[5.0])],
        totals=[("seats", "4")],
        events=[],
        refusals=[(hostile, "request_token", 1)],
        timeline_starts=[start],
        timeline={"booked": [1]},
        problems=[hostile],
    )

    html = render_html(report)

    assert "<script" not in html
    assert "<b>dept</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
