"""The waiting list. A position is computed when read, never stored."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling.models import Source


class WaitingEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        ALLOCATED = "allocated", "Allocated"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    doctor_day = models.ForeignKey(
        "scheduling.DoctorDay", on_delete=models.PROTECT, related_name="waiting_entries"
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
        "scheduling.Token",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waiting_entry",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
