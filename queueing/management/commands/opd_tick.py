from django.core.management.base import BaseCommand

from scheduling.services.tick import run_tick


class Command(BaseCommand):
    help = "One periodic pass: no-shows, waiting-list expiry, reserve release, notifications."

    def handle(self, *args, **options):
        result = run_tick()
        self.stdout.write(" ".join(f"{key}={value}" for key, value in result.items()))
