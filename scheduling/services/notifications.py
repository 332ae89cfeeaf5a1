"""Delivering the outbox: claim a row, send it once, retry failures later."""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db.models import F, Q

from opd_site import clock
from scheduling import policy
from scheduling.models import Notification
from scheduling.sms import get_backend

logger = logging.getLogger("opd.notifications")


def _claim(notification_id: int) -> bool:
    """Take the row for this worker; 0 rows updated means another worker has it."""
    now = clock.now()
    return bool(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.FAILED),
            pk=notification_id,
            next_attempt_at__lte=now,
        ).update(status=Notification.Status.SENDING, attempts=F("attempts") + 1)
    )


def _deliver(notification: Notification, sms_backend) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_mail(notification.subject, notification.body, None, [notification.recipient])
    else:
        sms_backend.send(notification.recipient, notification.body)


def send_due_notifications(*, limit: int = 200) -> dict[str, int]:
    """Send what is due; a failure is retried later, up to the configured number of attempts."""
    now = clock.now()
    due = list(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING)
            | Q(status=Notification.Status.FAILED, attempts__lt=policy.notification_max_attempts()),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = failed = 0
    sms_backend = get_backend()
    for notification_id in due:
        if not _claim(notification_id):
            continue
        notification = Notification.objects.get(pk=notification_id)
        try:
            _deliver(notification, sms_backend)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried later
            failed += 1
            retry = timedelta(minutes=policy.notification_retry_minutes() * notification.attempts)
            Notification.objects.filter(pk=notification_id).update(
                status=Notification.Status.FAILED,
                last_error=str(exc)[:300],
                next_attempt_at=clock.now() + retry,
            )
            logger.warning("notification %s failed: %s", notification_id, exc)
            continue
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.SENT, sent_at=clock.now(), last_error=""
        )
        sent += 1
    return {"sent": sent, "failed": failed}
