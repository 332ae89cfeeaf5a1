from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from opd_site import clock
from scheduling.management.arguments import iso_date
from scheduling.services.slots import generate_slots


class Command(BaseCommand):
    help = "Create doctor-days and slots from the weekly schedules (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=14, help="How many days to generate (default 14)."
        )
        parser.add_argument(
            "--start",
            type=iso_date,
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
