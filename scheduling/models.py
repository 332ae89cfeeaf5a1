"""Doctor-days, slots, tokens, the waiting list, events, payments, refunds and the notification
outbox."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REFERENCE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_reference() -> str:
    """The public handle of a token: unguessable, printed on the slip as a QR code."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))


class Source(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    PRIORITY = "priority", _("Priority (paid)")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ONLINE = "online", _("Online")
    WALK_IN = "walk_in", _("Walk-in")


ADVANCE_SOURCES = (Source.ONLINE, Source.PRIORITY, Source.FOLLOW_UP)


class DoctorDay(models.Model):
    """One doctor on one date: the row every operation of that day locks first."""

    doctor = models.ForeignKey("doctors.Doctor", on_delete=models.PROTECT, related_name="days")
    date = models.DateField()
    token_counter = models.PositiveIntegerField(default=0)
    delay_minutes = models.PositiveSmallIntegerField(default=0)
    delay_from = models.DateTimeField(null=True, blank=True)
    delay_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveBigIntegerField(
        default=0,
        db_default=0,
        help_text="Bumped in the same transaction as any change to the day; keys its read cache.",
    )
    opening_average_minutes = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The doctor's average consultation before the day's first one counted: the "
        "estimates' prior, which the day's own consultations do not move.",
    )

    class Meta:
        ordering = ["date", "doctor"]
        constraints = [
            models.UniqueConstraint(fields=["doctor", "date"], name="doctor_day_unique"),
        ]
        # A day's clinics across doctors (the boards' polls, the desk, the periodic jobs): the
        # unique index above leads with the doctor, so it cannot find a date alone.
        indexes = [models.Index(fields=["date"], name="doctor_day_date")]

    def __str__(self) -> str:
        return f"{self.doctor} on {self.date}"


class Slot(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")

    doctor_day = models.ForeignKey(DoctorDay, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField()
    end = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    emergency_reserve = models.PositiveSmallIntegerField(default=1)
    walk_in_reserve = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    consultation_fee = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    priority_fee = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["doctor_day", "start"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_ends_after_start"),
            models.CheckConstraint(
                condition=Q(walk_in_reserve__lte=F("capacity")), name="slot_walk_in_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doctor_day.doctor} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class TokenStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


ACTIVE_STATUSES = (
    TokenStatus.BOOKED,
    TokenStatus.CHECKED_IN,
    TokenStatus.IN_CONSULTATION,
    TokenStatus.COMPLETED,
)
# Tokens that hold their seat for good: the patient has arrived (a delay cannot take it away).
HELD_STATUSES = (TokenStatus.CHECKED_IN, TokenStatus.IN_CONSULTATION, TokenStatus.COMPLETED)


class CancelledBy(models.TextChoices):
    PATIENT = "patient", _("Patient")
    STAFF = "staff", _("Staff")
    HOSPITAL = "hospital", _("Hospital")


class PaymentState(models.TextChoices):
    """Where a token's fee stands (allocation.md, Payments). A fee of 0 is nothing owed."""

    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    WAIVED = "waived", _("Waived")
    REFUNDED = "refunded", _("Refunded")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    UPI = "upi", _("UPI")
    CARD = "card", _("Card")
    ONLINE = "online", _("Online")


class Token(models.Model):
    """A patient's seat in a slot."""

    doctor_day = models.ForeignKey(DoctorDay, on_delete=models.PROTECT, related_name="tokens")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="tokens")
    patient = models.ForeignKey("accounts.Patient", on_delete=models.PROTECT, related_name="tokens")
    number = models.PositiveIntegerField()
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    source = models.CharField(max_length=12, choices=Source.choices)
    priority = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=TokenStatus.choices, default=TokenStatus.BOOKED
    )
    reason = models.CharField(max_length=300, blank=True)
    fee = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    payment_state = models.CharField(
        max_length=10,
        choices=PaymentState.choices,
        default=PaymentState.UNPAID,
        help_text="Changed only by the payment, waiver and refund services.",
    )
    fee_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fee_waived_at = models.DateTimeField(null=True, blank=True)
    fee_waiver_reason = models.CharField(max_length=300, blank=True)
    bump_count = models.PositiveSmallIntegerField(default=0)
    original_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_overflow = models.BooleanField(default=False, help_text="Emergency seated past capacity.")
    requested_at = models.DateTimeField(help_text="When the request was made; breaks ties.")
    booked_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=12, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    slip_printed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient's slip was last printed."
    )
    reprint_needed = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The slot or time changed since the slip was printed.",
    )
    told_estimate = models.DateTimeField(
        null=True, blank=True, help_text="The call time the patient was last told."
    )
    moved_notice_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient was last told the estimate moved."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["doctor_day", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor_day", "number"], name="token_number_unique_per_day"
            ),
            models.UniqueConstraint(
                fields=["doctor_day", "patient"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="token_one_active_per_patient_day",
            ),
            models.CheckConstraint(condition=Q(number__gt=0), name="token_number_positive"),
            models.CheckConstraint(
                condition=~Q(payment_state="waived") | Q(fee_waived_at__isnull=False),
                name="token_waiver_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "status"]),
            models.Index(fields=["patient", "status"]),
            models.Index(fields=["status", "checked_in_at"]),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.doctor_day.doctor.token_prefix}-{self.number:03d}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class EventKind(models.TextChoices):
    BOOKED = "booked", _("Booked")
    MOVED = "moved", _("Seated in a later slot")
    BUMPED = "bumped", _("Bumped to a later slot")
    WAITLISTED = "waitlisted", _("Put on the waiting list")
    PROMOTED = "promoted", _("Promoted from the waiting list")
    EMERGENCY_ADMITTED = "emergency_admitted", _("Emergency admitted")
    OVERFLOW = "overflow", _("Emergency overflow past capacity")
    FAST_TRACKED = "fast_tracked", _("Fast-tracked")
    CHECKED_IN = "checked_in", _("Checked in")
    CALLED = "called", _("Called in")
    REQUEUED = "requeued", _("Requeued")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    RESCHEDULED = "rescheduled", _("Moved: doctor unavailable")
    DELAY_MOVED = "delay_moved", _("Moved: doctor delayed")
    WAITING_CANCELLED = "waiting_cancelled", _("Left the waiting list")
    WAITING_EXPIRED = "waiting_expired", _("Waiting entry expired")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    PAYMENT_TAKEN = "payment_taken", _("Payment taken")
    FEE_WAIVED = "fee_waived", _("Fee waived")
    REFUND_APPROVED = "refund_approved", _("Refund approved")
    REFUND_REJECTED = "refund_rejected", _("Refund rejected")
    REFUND_PAID = "refund_paid", _("Refund paid")
    ESTIMATE_MOVED = "estimate_moved", _("Told the expected call moved later")
    PATIENT_MERGED = "patient_merged", _("Patient records merged")


class WaitingEntry(models.Model):
    """A request that got no seat yet, for a doctor-day. Its position is computed when read,
    never stored; it is written under the same doctor-day lock as the tokens."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ALLOCATED = "allocated", _("Allocated")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    doctor_day = models.ForeignKey(
        DoctorDay, on_delete=models.PROTECT, related_name="waiting_entries"
    )
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="waiting_entries"
    )
    source = models.CharField(max_length=12, choices=Source.choices)
    priority = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    reason = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(help_text="Ranks entries of equal priority.")
    expires_at = models.DateTimeField()
    allocated_token = models.OneToOneField(
        Token,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waiting_entry",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(
        max_length=16,
        unique=True,
        default=new_reference,
        editable=False,
        help_text="The public handle of a waiting patient's slip and status page.",
    )

    class Meta:
        # The table kept its name when the waiting list moved here from ``queueing``.
        db_table = "queueing_waitingentry"
        verbose_name_plural = "waiting entries"
        ordering = ["doctor_day", "-priority", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor_day", "patient"],
                condition=Q(status="waiting"),
                name="waiting_one_per_patient_day",
            )
        ]
        indexes = [models.Index(fields=["doctor_day", "status", "-priority", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.patient} waiting for {self.doctor_day}"

    @property
    def doctor(self):
        return self.doctor_day.doctor

    @property
    def date(self):
        return self.doctor_day.date


class TokenEventQuerySet(models.QuerySet):
    """Events are appended, never changed: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("Token events are append-only: they cannot be updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("Token events are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Token events are append-only: they cannot be deleted.")

    delete.queryset_only = True


class TokenEvent(models.Model):
    """One change of a token or waiting entry. Append-only: the history explains the state."""

    token = models.ForeignKey(
        Token, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    waiting_entry = models.ForeignKey(
        WaitingEntry,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    doctor_day = models.ForeignKey(DoctorDay, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    from_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    objects = TokenEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token__isnull=False) | Q(waiting_entry__isnull=False),
                name="event_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {timezone.localtime(self.at):%H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Token events are append-only: an existing event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Token events are append-only: they cannot be deleted.")


class Payment(models.Model):
    """Money taken for a token's fee: what the cashier reconciles at the end of the day.

    One per token, of exactly the fee owed. It leaves with its token, as the token's events do
    (the product never deletes tokens; a refund protects its token).
    """

    token = models.OneToOneField(Token, on_delete=models.CASCADE, related_name="payment")
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Receipt, UPI or card slip, or online payment id."
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The desk user who took it; empty for a payment made online.",
    )
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-taken_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]
        indexes = [models.Index(fields=["taken_at", "taken_by"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.get_method_display()} for {self.token}"


class Refund(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    token = models.OneToOneField(Token, on_delete=models.PROTECT, related_name="refund")
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who paid the money back (the day's collection counts it against them).",
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} for {self.token}"


class Notification(models.Model):
    """Outbox row: written with the change that needs it, delivered after commit by a sender."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="notifications"
    )
    token = models.ForeignKey(
        Token, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.subject}"


class IdempotencyKey(models.Model):
    """The first answer to a token-creating POST, replayed for a repeated key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
