"""Export one day's OPD data to a JSON file that ``import_day`` can load into another database.

The file holds the doctor-days of the date, their slots, tokens, waiting entries, events,
payments and refunds, and every row those reference (patients, doctors, departments, users, a
token's slot on another day), so it loads into an empty database. Users come without their
password hashes. The file holds patients' personal data: it is written readable by its owner
only.
"""

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model, Q

from accounts.models import Patient
from doctors.models import Department, Doctor
from opd_site import clock
from scheduling.management.arguments import iso_date
from scheduling.models import DoctorDay, Payment, Refund, Slot, Token, TokenEvent, WaitingEntry

FORMAT = "opd-day-export"
VERSION = 1
User = get_user_model()
# Insertion order: every model after the models it points to.
EXPORT_MODELS: tuple[type[Model], ...] = (
    Department,
    User,
    Doctor,
    Patient,
    DoctorDay,
    Slot,
    Token,
    WaitingEntry,
    TokenEvent,
    Payment,
    Refund,
)
# Never copied: a password hash is a secret, and groups/permissions are set up per site.
# Nor a day's ``version``: it counts changes for the read cache of the database it lives in; the
# importing database counts its own.
EXCLUDED_FIELDS: dict[type[Model], set[str]] = {
    User: {"password", "groups", "user_permissions"},
    DoctorDay: {"version"},
}


def exported_fields(model: type[Model]) -> list[str] | None:
    """Fields written for ``model`` (None: all of them)."""
    excluded = EXCLUDED_FIELDS.get(model)
    if not excluded:
        return None
    names = [f.name for f in model._meta.get_fields() if f.concrete and not f.primary_key]
    return [name for name in names if name not in excluded]


@dataclass
class DayRows:
    """Primary keys to export, per model."""

    pks: dict[type[Model], set] = field(default_factory=lambda: {m: set() for m in EXPORT_MODELS})

    @property
    def doctor_days(self) -> set:
        return self.pks[DoctorDay]

    def counts(self) -> dict[str, int]:
        return {
            str(model._meta.verbose_name_plural): len(self.pks[model]) for model in EXPORT_MODELS
        }


def collect_day(*, day: date, doctors: list[str] | None = None) -> DayRows:
    """The day's rows, then everything they point to, until nothing new is pointed to."""
    rows = DayRows()
    days = DoctorDay.objects.filter(date=day)
    if doctors:
        ids = [int(value) for value in doctors if value.isdigit()]
        days = days.filter(Q(doctor__token_prefix__in=doctors) | Q(doctor_id__in=ids))
    rows.pks[DoctorDay] = set(days.values_list("pk", flat=True))
    in_days = {"doctor_day__in": rows.pks[DoctorDay]}
    rows.pks[Slot] = set(Slot.objects.filter(**in_days).values_list("pk", flat=True))
    rows.pks[Token] = set(Token.objects.filter(**in_days).values_list("pk", flat=True))
    rows.pks[WaitingEntry] = set(
        WaitingEntry.objects.filter(**in_days).values_list("pk", flat=True)
    )
    # A token's history is all of its events, including those written on another day.
    rows.pks[TokenEvent] = set(
        TokenEvent.objects.filter(
            Q(**in_days)
            | Q(token__in=rows.pks[Token])
            | Q(waiting_entry__in=rows.pks[WaitingEntry])
        ).values_list("pk", flat=True)
    )
    rows.pks[Payment] = set(
        Payment.objects.filter(token__in=rows.pks[Token]).values_list("pk", flat=True)
    )
    rows.pks[Refund] = set(
        Refund.objects.filter(token__in=rows.pks[Token]).values_list("pk", flat=True)
    )
    _add_referenced_rows(rows)
    return rows


def _add_referenced_rows(rows: DayRows) -> None:
    changed = True
    while changed:
        changed = False
        for model in EXPORT_MODELS:
            for relation in model._meta.concrete_fields:
                target = relation.related_model
                if not relation.is_relation or target not in rows.pks or not rows.pks[model]:
                    continue
                pointed = set(
                    model._base_manager.filter(pk__in=rows.pks[model])
                    .exclude(**{f"{relation.attname}__isnull": True})
                    .values_list(relation.attname, flat=True)
                )
                new = pointed - rows.pks[target]
                if new:
                    rows.pks[target] |= new
                    changed = True


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (they identify events on import)."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def serialize_rows(rows: DayRows) -> list[dict]:
    """Django's serializer format ("model", "pk", "fields"), models in insertion order."""
    objects: list[dict] = []
    for model in EXPORT_MODELS:
        queryset = model._base_manager.filter(pk__in=rows.pks[model]).order_by("pk")
        objects += serializers.serialize("python", queryset, fields=exported_fields(model))
    # Through JSON and back: dates, decimals and times as the JSON serializer writes them.
    return json.loads(json.dumps(objects, cls=_ExactEncoder))


class Command(BaseCommand):
    help = (
        "Export a day's doctor-days, slots, tokens, events, waiting entries, payments and "
        "refunds to JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=iso_date, default=None, help="The day, YYYY-MM-DD (default today)."
        )
        parser.add_argument(
            "--doctor",
            action="append",
            default=[],
            help="Only this doctor (token prefix or id); repeat for several. Default: all.",
        )
        parser.add_argument(
            "-o", "--output", default="-", help="File to write (default: standard output)."
        )

    def handle(self, *args, **options):
        day = options["date"] or clock.today()
        fresh_transaction = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and fresh_transaction:
                # One consistent snapshot while the desk goes on booking.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            rows = collect_day(day=day, doctors=options["doctor"])
            if not rows.doctor_days:
                raise CommandError(f"Nothing to export: no doctor-day on {day:%Y-%m-%d}.")
            objects = serialize_rows(rows)
        document = {
            "format": FORMAT,
            "version": VERSION,
            "date": day.isoformat(),
            "exported_at": clock.now().isoformat(),
            "counts": rows.counts(),
            "objects": objects,
        }
        text = json.dumps(document, indent=1)
        output = options["output"]
        summary = ", ".join(f"{count} {label}" for label, count in rows.counts().items())
        if output == "-":
            self.stdout.write(text)
            print(f"Exported {day:%Y-%m-%d}: {summary}.", file=sys.stderr)
        else:
            _write_private(output, text)
            self.stdout.write(
                self.style.SUCCESS(f"Exported {day:%Y-%m-%d} to {output}: {summary}.")
            )


def _write_private(path: str, text: str) -> None:
    """Write the whole file or nothing, readable by its owner only."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
