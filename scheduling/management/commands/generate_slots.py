from argparse import ArgumentTypeError
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from scheduling import clock
from scheduling.services.slots import generate_slots


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Create doctor-days and slots from the weekly schedules (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=14, help="How many days to generate (default 14)."
        )
        parser.add_argument(
            "--start",
            type=_parse_date,
            default=None,
            help="First date, YYYY-MM-DD (default today).",
        )

    def handle(self, *args, **options):
        days = options["days"]
        if days < 1:
            raise CommandError("--days must be at least 1")
        start = options["start"] or clock.today()
        created = generate_slots(start=start, days=days)
        last = start + timedelta(days=days - 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created} slot(s) for {start:%Y-%m-%d} to {last:%Y-%m-%d}."
            )
        )
