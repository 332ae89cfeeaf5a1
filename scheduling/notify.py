"""Outbox rows for the patient-facing changes; a sender delivers them after commit.

Each message is written when it is queued, in the patient's language
(``Patient.preferred_language``, else the site's default).
"""

from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, gettext_lazy

from accounts.languages import language_for
from accounts.models import Patient
from opd_site import clock
from scheduling.locking import assert_locked
from scheduling.models import EventKind, Notification, Token, TokenStatus

SUBJECTS = {
    EventKind.BUMPED: gettext_lazy("Your OPD token has moved to a later slot"),
    EventKind.PROMOTED: gettext_lazy("A seat is free: you have an OPD token"),
    EventKind.DELAY_MOVED: gettext_lazy("The doctor is running late: your token has moved"),
    EventKind.RESCHEDULED: gettext_lazy("The doctor is unavailable: your token has moved"),
    EventKind.CANCELLED: gettext_lazy("Your OPD token was cancelled by the hospital"),
    EventKind.WAITLISTED: gettext_lazy("You are on the OPD waiting list"),
    EventKind.ESTIMATE_MOVED: gettext_lazy("You will be called later than you were told"),
}


def _describe(token: Token | None) -> str:
    if token is None:
        return ""
    start = timezone.localtime(token.slot.start)
    doctor = token.doctor_day.doctor
    return gettext(
        "Token %(number)s with %(doctor)s on %(day)s, slot starting %(time)s. "
        "Reference %(reference)s."
    ) % {
        "number": token.display_number,
        "doctor": doctor,
        "day": date_format(start, "SHORT_DATE_FORMAT"),
        "time": time_format(start, "TIME_FORMAT"),
        "reference": token.reference,
    }


def _told_slot_start(token: Token | None, kind: EventKind) -> None:
    """A message naming the token's new slot tells the patient when it starts: the call time
    they were last told (``Token.told_estimate``), until a notice of a moved estimate says more."""
    if token is None or token.pk is None or kind in (EventKind.ESTIMATE_MOVED, EventKind.CANCELLED):
        return
    if token.status in (TokenStatus.BOOKED, TokenStatus.CHECKED_IN):
        Token.objects.filter(pk=token.pk).update(told_estimate=token.slot.start)
        token.told_estimate = token.slot.start


def notify_patient(
    *, patient: Patient, kind: EventKind, token: Token | None = None, detail: str = ""
) -> list[Notification]:
    """Queue one message per channel the patient can be reached on (e-mail, SMS)."""
    assert_locked()
    with translation.override(language_for(patient)):
        subject = str(SUBJECTS.get(kind) or gettext("Update on your OPD token"))
        body = " ".join(part for part in (subject + ".", _describe(token), detail) if part)
    at = clock.now()
    _told_slot_start(token, kind)
    rows = []
    if patient.contact_email:
        rows.append((Notification.Channel.EMAIL, patient.contact_email))
    if patient.phone:
        rows.append((Notification.Channel.SMS, patient.phone))
    return Notification.objects.bulk_create(
        Notification(
            patient=patient,
            token=token,
            channel=channel,
            recipient=recipient,
            kind=kind,
            subject=subject,
            body=body,
            next_attempt_at=at,
            created_at=at,
        )
        for channel, recipient in rows
    )
