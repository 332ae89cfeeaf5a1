"""Delivering the outbox: claim a row under a lease, send it once, retry failures later.

A sender claims a row with a conditional ``UPDATE`` (``status`` to ``sending``, one more attempt,
``next_attempt_at`` to the end of its lease): 0 rows updated means another sender has it. A
sender that dies mid-delivery leaves the row ``sending``; once its lease has lapsed
(``OPD["NOTIFICATION_LEASE_MINUTES"]``) the row is due again and the next pass claims it, so
nothing is lost, and no two live senders ever hold one row. ``attempts`` fences the claim: a
sender settles the row only if nobody claimed it again since.
"""

import logging
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db.models import F, Q

from opd_site import clock
from scheduling import policy
from scheduling.models import Notification
from scheduling.sms import get_backend

logger = logging.getLogger("opd.notifications")

Status = Notification.Status


def _due(now: datetime) -> Q:
    """Pending, failed but retryable, or claimed by a sender whose lease has lapsed."""
    retryable = Q(attempts__lt=policy.notification_max_attempts())
    return Q(next_attempt_at__lte=now) & (
        Q(status=Status.PENDING) | (Q(status__in=[Status.FAILED, Status.SENDING]) & retryable)
    )


def _claim(notification_id: int) -> Notification | None:
    """Take the row for this sender until the lease ends; None if another sender has it."""
    now = clock.now()
    claimed = Notification.objects.filter(_due(now), pk=notification_id).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + timedelta(minutes=policy.notification_lease_minutes()),
    )
    return Notification.objects.get(pk=notification_id) if claimed else None


def _settle(notification: Notification, **fields) -> bool:
    """Record the outcome of our attempt, unless the row was claimed again meanwhile."""
    return bool(
        Notification.objects.filter(
            pk=notification.pk, status=Status.SENDING, attempts=notification.attempts
        ).update(**fields)
    )


def _give_up_abandoned(now: datetime) -> int:
    """Rows whose senders died on their last allowed attempt: failed, for an operator to see."""
    return Notification.objects.filter(
        status=Status.SENDING,
        next_attempt_at__lte=now,
        attempts__gte=policy.notification_max_attempts(),
    ).update(status=Status.FAILED, last_error="The sender stopped during the last attempt.")


def _deliver(notification: Notification, sms_backend) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_mail(notification.subject, notification.body, None, [notification.recipient])
    else:
        sms_backend.send(notification.recipient, notification.body)


def send_due_notifications(*, limit: int = 200) -> dict[str, int]:
    """Send what is due; a failure is retried later, up to the configured number of attempts."""
    now = clock.now()
    _give_up_abandoned(now)
    due = list(
        Notification.objects.filter(_due(now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = failed = 0
    sms_backend = get_backend()
    for notification_id in due:
        notification = _claim(notification_id)
        if notification is None:
            continue
        try:
            _deliver(notification, sms_backend)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried later
            failed += 1
            retry = timedelta(minutes=policy.notification_retry_minutes() * notification.attempts)
            _settle(
                notification,
                status=Status.FAILED,
                last_error=str(exc)[:300],
                next_attempt_at=clock.now() + retry,
            )
            # The id and the kind of failure only: the message may name the recipient.
            logger.warning("notification %s failed: %s", notification_id, type(exc).__name__)
            continue
        if not _settle(notification, status=Status.SENT, sent_at=clock.now(), last_error=""):
            logger.warning("notification %s was claimed again while it was sent", notification_id)
        sent += 1
    return {"sent": sent, "failed": failed}
