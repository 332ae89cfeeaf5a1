"""Two records of one person become one: the duplicate's tokens, waiting entries and
notifications move to the kept record, whose blanks the duplicate fills.

The duplicate is kept, marked ``merged_into``, so every history that names it still reads;
searches and duplicate checks leave it out. The move is written under the locks of every
doctor-day either record holds a seat or a place on, then of both records, in one transaction.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Patient, Sex
from accounts.roles import Act, may
from doctors.models import Doctor
from scheduling.errors import MergeNotAllowed, MergeRefused
from scheduling.events import record_event
from scheduling.locking import patients_days_locked
from scheduling.models import (
    ACTIVE_STATUSES,
    EventKind,
    Notification,
    Token,
    WaitingEntry,
)

logger = logging.getLogger("opd.patients")

# Fields of the kept record that the duplicate fills when they are blank there.
FILLED_WHEN_BLANK = ("phone", "email", "preferred_language")


@dataclass(frozen=True)
class Merge:
    """What a merge moved to the kept record."""

    kept: Patient
    duplicate: Patient
    tokens: int
    waiting_entries: int
    notifications: int


def _held_days(patient_ids: list[int]) -> dict[int, set[tuple[int, date]]]:
    """The (doctor, date) of each record's active tokens and waiting entries."""
    held: dict[int, set[tuple[int, date]]] = {pk: set() for pk in patient_ids}
    tokens = Token.objects.filter(patient_id__in=patient_ids, status__in=ACTIVE_STATUSES)
    waiting = WaitingEntry.objects.filter(
        patient_id__in=patient_ids, status=WaitingEntry.Status.WAITING
    )
    for rows in (tokens, waiting):
        for patient_id, doctor_id, day in rows.values_list(
            "patient_id", "doctor_day__doctor_id", "doctor_day__date"
        ):
            held[patient_id].add((doctor_id, day))
    return held


def _refuse_clashes(keep: Patient, duplicate: Patient) -> None:
    """One person holds one token or waiting entry per doctor and day: two records that each
    hold one for the same doctor-day would break that rule (and its constraint) as one."""
    held = _held_days([keep.pk, duplicate.pk])
    clashes = sorted(held[keep.pk] & held[duplicate.pk])
    if not clashes:
        return
    doctor_id, day = clashes[0]
    doctor_name = str(Doctor.objects.select_related("user").get(pk=doctor_id))
    raise MergeRefused(
        _(
            "Both records hold a token or a waiting-list place with %(doctor)s on %(day)s, and "
            "one person may hold only one per doctor and day: cancel one of them, then merge."
        )
        % {"doctor": doctor_name, "day": formats.date_format(day, "SHORT_DATE_FORMAT")},
        details={
            "conflicts": [{"doctor": doctor, "date": day.isoformat()} for doctor, day in clashes]
        },
    )


def _fill_blanks(keep: Patient, duplicate: Patient) -> list[str]:
    """Copy into the kept record what only the duplicate knows; returns the fields changed."""
    changed = [field for field in FILLED_WHEN_BLANK if not getattr(keep, field)]
    changed = [field for field in changed if getattr(duplicate, field)]
    for field in changed:
        setattr(keep, field, getattr(duplicate, field))
    if keep.phone and keep.phone_missing_reason:
        keep.phone_missing_reason = ""
        changed.append("phone_missing_reason")
    if duplicate.date_of_birth and (
        keep.date_of_birth is None
        or (keep.date_of_birth_approximate and not duplicate.date_of_birth_approximate)
    ):
        keep.date_of_birth = duplicate.date_of_birth
        keep.date_of_birth_approximate = duplicate.date_of_birth_approximate
        changed += ["date_of_birth", "date_of_birth_approximate"]
    if keep.sex == Sex.UNKNOWN and duplicate.sex != Sex.UNKNOWN:
        keep.sex = duplicate.sex
        changed.append("sex")
    if keep.user_id is None and duplicate.user_id is not None:
        keep.user_id, duplicate.user_id = duplicate.user_id, None
        changed.append("user")
    if duplicate.no_show_count:
        keep.no_show_count += duplicate.no_show_count
        keep.booking_blocked = keep.booking_blocked or duplicate.booking_blocked
        changed += ["no_show_count", "booking_blocked"]
    return changed


def _refuse_before_locking(keep: Patient, duplicate: Patient, actor) -> None:
    if actor is not None and not may(actor, Act.MERGE_PATIENTS):
        raise MergeNotAllowed()
    if keep.pk == duplicate.pk:
        raise MergeRefused(_("A record cannot be merged into itself."))
    if duplicate.merged_into_id is not None:
        raise MergeRefused(_("This record was already merged into another one."))
    if keep.merged_into_id is not None:
        raise MergeRefused(
            _("The record to keep was itself merged into another one: merge into that one.")
        )
    if keep.user_id is not None and duplicate.user_id is not None:
        raise MergeRefused(
            _(
                "Both records have their own sign-in account; two accounts cannot become one. "
                "Keep the records apart."
            )
        )


def _record_merge(tokens, entries, *, keep: Patient, duplicate: Patient, actor) -> None:
    """Each moved token and waiting entry says in its history which record it came from."""
    reason = f"Record {duplicate.mrn} merged into {keep.mrn}"

    def merged(doctor_day, **subject) -> None:
        record_event(
            kind=EventKind.PATIENT_MERGED,
            doctor_day=doctor_day,
            actor=actor,
            reason=reason,
            **subject,
        )

    for token in tokens:
        merged(token.doctor_day, token=token)
    for entry in entries:
        merged(entry.doctor_day, waiting_entry=entry)


def merge_patients(*, keep: Patient, duplicate: Patient, actor=None) -> Merge:
    """Move everything of ``duplicate`` to ``keep`` and mark the duplicate merged into it."""
    _refuse_before_locking(keep, duplicate, actor)
    days = set().union(*_held_days([keep.pk, duplicate.pk]).values())
    with patients_days_locked(days=days, patient_ids=[keep.pk, duplicate.pk]) as locked:
        by_id = {patient.pk: patient for patient in locked}
        keep, duplicate = by_id[keep.pk], by_id[duplicate.pk]
        _refuse_before_locking(keep, duplicate, actor)
        _refuse_clashes(keep, duplicate)
        moved_tokens = list(Token.objects.filter(patient=duplicate).select_related("doctor_day"))
        moved_entries = list(
            WaitingEntry.objects.filter(patient=duplicate).select_related("doctor_day")
        )
        try:
            with transaction.atomic():
                moved = Merge(
                    kept=keep,
                    duplicate=duplicate,
                    tokens=Token.objects.filter(patient=duplicate).update(patient=keep),
                    waiting_entries=WaitingEntry.objects.filter(patient=duplicate).update(
                        patient=keep
                    ),
                    notifications=Notification.objects.filter(patient=duplicate).update(
                        patient=keep
                    ),
                )
        except IntegrityError as exc:
            # A booking on a day not locked here landed for both records meanwhile.
            raise MergeRefused(
                _("A token was booked for one of the records meanwhile; please try again.")
            ) from exc
        _record_merge(moved_tokens, moved_entries, keep=keep, duplicate=duplicate, actor=actor)
        changed = _fill_blanks(keep, duplicate)
        duplicate.merged_into = keep
        if "user" in changed:
            duplicate.save(update_fields=["user"])
        if changed:
            keep.save(update_fields=sorted(set(changed)))
        duplicate.save(update_fields=["merged_into"])
    logger.info(
        "patient record %s merged into %s by user %s: %s tokens, %s waiting entries moved",
        duplicate.pk,
        keep.pk,
        getattr(actor, "pk", None),
        moved.tokens,
        moved.waiting_entries,
    )
    return moved
