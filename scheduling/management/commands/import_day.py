"""Load a file written by ``export_day``: add the rows that are missing, never overwrite any.

Everything is loaded in one transaction. A row already present with the same identity (a
token's reference, a patient's MRN, a user's e-mail, ...) is left as it is, so importing the
same file twice changes nothing. A row whose id is taken by something else is a conflict: the
import stops and writes nothing. Imported users have no usable password until one is set.
"""

import json
from dataclasses import dataclass

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from accounts.models import Patient
from doctors.models import Department, Doctor
from scheduling.locking import bump_versions
from scheduling.management.commands.export_day import EXPORT_MODELS, FORMAT, VERSION, User
from scheduling.models import DoctorDay, Payment, Refund, Slot, Token, TokenEvent, WaitingEntry

# What makes two rows "the same row" across databases, per model.
IDENTITY: dict[type[Model], tuple[str, ...]] = {
    Department: ("code",),
    User: ("email",),
    Doctor: ("license_number",),
    Patient: ("mrn",),
    DoctorDay: ("doctor_id", "date"),
    Slot: ("doctor_day_id", "start"),
    Token: ("reference",),
    WaitingEntry: ("doctor_day_id", "patient_id", "requested_at"),
    TokenEvent: ("token_id", "waiting_entry_id", "kind", "at"),
    Payment: ("token_id",),
    Refund: ("token_id",),
}


class ImportConflict(Exception):
    """The file and the database disagree about a row: nothing is imported."""


class _DryRun(Exception):
    """Raised to roll the transaction back after a dry run."""


@dataclass
class ImportResult:
    added: int = 0
    present: int = 0


def _identity(obj: Model) -> tuple:
    return tuple(getattr(obj, name) for name in IDENTITY[type(obj)])


def load_rows(objects: list[dict], *, dry_run: bool = False) -> ImportResult:
    """Insert the missing rows in one transaction; refuse the whole file on any conflict."""
    result = ImportResult()
    try:
        with transaction.atomic():
            touched = set()
            for item in serializers.deserialize("python", objects):
                added = result.added
                _load_one(item, result)
                if result.added > added:
                    touched.add(_day_of(item.object))
            touched.discard(None)
            bump_versions(touched)  # the days' pages show the imported rows at once
            _reset_sequences()
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    except DeserializationError as exc:
        raise ImportConflict(f"the file does not match this database's models ({exc})") from None
    except IntegrityError as exc:
        raise ImportConflict(f"a row clashes with existing data ({exc})") from None
    return result


def _day_of(obj: Model) -> int | None:
    if isinstance(obj, DoctorDay):
        return obj.pk
    return getattr(obj, "doctor_day_id", None)


def _load_one(item, result: ImportResult) -> None:
    obj = item.object
    model = type(obj)
    if model not in IDENTITY:
        raise ImportConflict(f"unexpected {model._meta.label} in the file")
    existing = model._base_manager.filter(pk=obj.pk).first()
    if existing is not None:
        if _identity(existing) != _identity(obj):
            raise ImportConflict(
                f"{model._meta.label} {obj.pk} is {_identity(existing)} here "
                f"but {_identity(obj)} in the file"
            )
        result.present += 1
        return
    if model is User:
        obj.set_unusable_password()
    item.save(force_insert=True)
    result.added += 1


def _reset_sequences() -> None:
    """Rows came with their ids: move PostgreSQL's id sequences past them (as loaddata does)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(EXPORT_MODELS))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# Models that changed app since version 1 files were first written: old label -> current label.
MOVED_MODELS = {"queueing.waitingentry": "scheduling.waitingentry"}


def with_current_labels(objects: list) -> list:
    """The file's rows with every moved model under its current label."""
    return [
        {**row, "model": MOVED_MODELS.get(row.get("model"), row.get("model"))}
        if isinstance(row, dict)
        else row
        for row in objects
    ]


class Command(BaseCommand):
    help = "Import a day exported by export_day (idempotent; refuses conflicting data)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON file written by export_day.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file against the database and report, writing nothing.",
        )

    def handle(self, *args, **options):
        path = options["path"]
        try:
            with open(path, encoding="utf-8") as stream:
                document = json.load(stream)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise CommandError(f"{path} is not an export_day file.")
        if document.get("version") != VERSION:
            raise CommandError(
                f"{path} has format version {document.get('version')}; "
                f"this release reads version {VERSION}."
            )
        try:
            result = load_rows(
                with_current_labels(document.get("objects") or []), dry_run=options["dry_run"]
            )
        except ImportConflict as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        verb = "Would add" if options["dry_run"] else "Added"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.added} row(s) for {document.get('date')}; "
                f"{result.present} already present."
            )
        )
