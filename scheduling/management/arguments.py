"""Argument types shared by the management commands: a clear message instead of a traceback."""

from argparse import ArgumentTypeError
from datetime import date


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {value!r}") from None


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number
