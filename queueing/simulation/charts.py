"""Inline SVG charts for the HTML report: plain strings, every text escaped, no scripts."""

from datetime import datetime
from html import escape

from django.utils import timezone

FONT = 'font-family="system-ui, sans-serif" font-size="11"'
SERIES_COLOURS = {
    "booked": "#1f77b4",
    "checked_in": "#17becf",
    "called": "#9467bd",
    "completed": "#2ca02c",
    "waitlisted": "#ff7f0e",
    "promoted": "#bcbd22",
    "cancelled": "#7f7f7f",
    "no_show": "#8c564b",
    "emergency_admitted": "#d62728",
}


def _text(x: float, y: float, value: str, *, anchor: str = "start", extra: str = "") -> str:
    position = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"'
    return f"<text {position} {FONT} {extra}>{escape(value)}</text>"


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _fill(ratio: float) -> str:
    """White to deep blue as a slot fills; red past its capacity."""
    if ratio > 1:
        return "#c0392b"
    shade = int(235 - 175 * max(0.0, ratio))
    return f"rgb({shade - 40},{shade - 10},{min(255, shade + 20)})"


def occupancy(doctors) -> str:
    """A grid: one row per doctor, one cell per slot, shaded by seats held over capacity."""
    label_width, cell, row_height, top = 220, 74, 18, 24
    slots = max((len(doctor.slots) for doctor in doctors), default=0)
    width = label_width + cell * slots + 10
    height = top + row_height * len(doctors) + 10
    body = []
    if doctors:
        for n, line in enumerate(doctors[0].slots):
            start = timezone.localtime(line.start)
            body.append(
                _text(label_width + cell * n + cell / 2, 16, f"{start:%H:%M}", anchor="middle")
            )
    for row, doctor in enumerate(doctors):
        y = top + row_height * row
        body.append(_text(4, y + 13, f"{doctor.prefix} {doctor.name}"))
        for n, line in enumerate(doctor.slots):
            x = label_width + cell * n
            fill = "#d0d0d0" if line.cancelled_slot else _fill(line.occupancy)
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{row_height - 2}" '
                f'fill="{fill}">'
                f"<title>{escape(_cell_title(doctor, line))}</title></rect>"
            )
            label = "cancelled" if line.cancelled_slot else f"{line.total}/{line.capacity}"
            colour = "#ffffff" if line.occupancy > 0.6 and not line.cancelled_slot else "#222222"
            body.append(
                _text(x + cell / 2, y + 13, label, anchor="middle", extra=f'fill="{colour}"')
            )
    return _svg(width, height, "Seats held per doctor and slot", body)


def _cell_title(doctor, line) -> str:
    start = timezone.localtime(line.start)
    held = ", ".join(f"{source} {count}" for source, count in line.held.items() if count)
    return (
        f"{doctor.prefix} {start:%H:%M}: {line.total} of {line.capacity} seats ({held or 'empty'})"
    )


def waits(sources) -> str:
    """Mean and 90th-percentile wait per source, as horizontal bars."""
    label_width, bar_area, row_height, top = 130, 420, 34, 26
    values = [
        value for line in sources for value in (line.mean_wait, line.p90_wait) if value is not None
    ]
    scale = bar_area / max(values) if values and max(values) > 0 else 0
    body = [
        f'<rect x="{label_width}" y="6" width="12" height="10" fill="#1f77b4"/>',
        _text(label_width + 16, 15, "mean"),
        f'<rect x="{label_width + 70}" y="6" width="12" height="10" fill="#ff7f0e"/>',
        _text(label_width + 86, 15, "90th percentile (minutes)"),
    ]
    for row, line in enumerate(sources):
        y = top + row_height * row
        body.append(_text(4, y + 18, line.label))
        for offset, value, colour in (
            (0, line.mean_wait, "#1f77b4"),
            (14, line.p90_wait, "#ff7f0e"),
        ):
            if value is None:
                body.append(_text(label_width + 2, y + offset + 10, "no consultations"))
                break
            body.append(
                f'<rect x="{label_width}" y="{y + offset}" width="{max(1.0, value * scale):.1f}" '
                f'height="12" fill="{colour}"/>'
            )
            body.append(_text(label_width + value * scale + 4, y + offset + 10, f"{value:.1f}"))
    height = top + row_height * len(sources) + 6
    return _svg(
        label_width + bar_area + 60, height, "Wait from arrival to consultation by source", body
    )


def timeline(starts: list[datetime], series: dict[str, list[int]]) -> str:
    """Events per quarter hour through the day, one line per kind."""
    left, top, plot_width, plot_height = 44, 16, 760, 240
    width, height = left + plot_width + 170, top + plot_height + 40
    peak = max((max(counts) for counts in series.values() if counts), default=0) or 1
    step = plot_width / max(1, len(starts) - 1)
    base = top + plot_height
    body = [
        f'<line x1="{left}" y1="{base}" x2="{left + plot_width}" y2="{base}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#888"/>',
        _text(left - 6, top + 8, str(peak), anchor="end"),
        _text(left - 6, top + plot_height, "0", anchor="end"),
    ]
    for n, start in enumerate(starts):
        local = timezone.localtime(start)
        if local.minute == 0:
            x = left + step * n
            body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" stroke="#eee"/>')
            body.append(_text(x, top + plot_height + 16, f"{local:%H:%M}", anchor="middle"))
    for row, (kind, counts) in enumerate(series.items()):
        colour = SERIES_COLOURS.get(kind, "#333333")
        points = " ".join(
            f"{left + step * n:.1f},{top + plot_height - plot_height * count / peak:.1f}"
            for n, count in enumerate(counts)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
        )
        y = top + 14 * row + 8
        body.append(
            f'<rect x="{left + plot_width + 14}" y="{y - 8}" width="10" height="10" '
            f'fill="{colour}"/>'
        )
        body.append(_text(left + plot_width + 28, y + 1, kind.replace("_", " ")))
    return _svg(width, height, "Token events per quarter hour", body)
