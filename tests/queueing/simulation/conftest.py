"""Running ``simulate_day`` in a test: small hospitals on a fixed Monday, no timing lines."""

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

DAY = date(2026, 3, 9)  # a Monday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass
class Outcome:
    text: str
    error: CommandError | None

    @property
    def last_line(self) -> str:
        return self.text.splitlines()[-1]


def run_command(*args: str) -> Outcome:
    out = io.StringIO()
    try:
        call_command("simulate_day", "--date", DAY.isoformat(), *args, stdout=out)
    except CommandError as error:
        return Outcome(out.getvalue(), error)
    return Outcome(out.getvalue(), None)


@pytest.fixture
def simulate(db):
    """Run the command (``--no-timing`` unless told otherwise) and return its output."""

    def run(*args: str, timing: bool = False) -> Outcome:
        return run_command(*args, *([] if timing else ["--no-timing"]))

    return run
