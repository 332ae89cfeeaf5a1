"""Outbox rows for the patient-facing changes; a sender delivers them after commit."""

from django.utils import timezone

from accounts.models import Patient
from opd_site import clock
from scheduling.locking import assert_locked
from scheduling.models import EventKind, Notification, Token

SUBJECTS = {
    EventKind.BUMPED: "Your OPD token has moved to a later slot",
    EventKind.PROMOTED: "A seat is free: you have an OPD token",
    EventKind.DELAY_MOVED: "The doctor is running late: your token has moved",
    EventKind.RESCHEDULED: "The doctor is unavailable: your token has moved",
    EventKind.CANCELLED: "Your OPD token was cancelled by the hospital",
    EventKind.WAITLISTED: "You are on the OPD waiting list",
}


def _describe(token: Token | None) -> str:
    if token is None:
        return ""
    start = timezone.localtime(token.slot.start)
    doctor = token.doctor_day.doctor
    return (
        f"Token {token.display_number} with {doctor} on {start:%d %b %Y}, "
        f"slot starting {start:%H:%M}. Reference {token.reference}."
    )


def notify_patient(
    *, patient: Patient, kind: EventKind, token: Token | None = None, detail: str = ""
) -> list[Notification]:
    """Queue one message per channel the patient can be reached on (e-mail, SMS)."""
    assert_locked()
    subject = SUBJECTS.get(kind, "Update on your OPD token")
    body = " ".join(part for part in (subject + ".", _describe(token), detail) if part)
    at = clock.now()
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
