"""Departments, doctors, their weekly schedules and their leave."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=12, unique=True, help_text="Short code, e.g. CARD.")
    location = models.CharField(max_length=100, blank=True, help_text="Floor or wing.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Doctor(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="doctor"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="doctors")
    specialization = models.CharField(max_length=100)
    license_number = models.CharField(max_length=40, unique=True)
    qualifications = models.CharField(max_length=200, blank=True)
    experience_years = models.PositiveSmallIntegerField(default=0)
    token_prefix = models.CharField(
        max_length=8, unique=True, help_text="Printed before token numbers, e.g. CARD1."
    )
    room = models.CharField(max_length=40, blank=True)
    average_consultation_minutes = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10.00")
    )
    is_available = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(average_consultation_minutes__gt=0), name="doctor_average_positive"
            )
        ]

    def __str__(self) -> str:
        return f"Dr {self.user.name}"

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def working_days(self) -> list[str]:
        """Weekday names from the weekly schedule (derived, never stored twice)."""
        days = sorted({row.weekday for row in self.schedules.all()})
        return [Weekday(day).label for day in days]


class DoctorSchedule(models.Model):
    """One weekly session: on this weekday, from start to end, in slots of this size."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField(default=60)
    capacity = models.PositiveSmallIntegerField(default=6)
    emergency_reserve = models.PositiveSmallIntegerField(default=1)
    walk_in_reserve = models.PositiveSmallIntegerField(default=0)
    consultation_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    priority_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("500"))

    class Meta:
        ordering = ["doctor", "weekday", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "weekday", "start_time"], name="schedule_unique_session"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="schedule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gt=0), name="schedule_slot_minutes_positive"
            ),
            models.CheckConstraint(
                condition=Q(walk_in_reserve__lte=F("capacity")),
                name="schedule_walk_in_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        hours = f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"
        return f"{self.doctor} {self.get_weekday_display()} {hours}"


class DoctorLeave(models.Model):
    """The doctor is away for every date from start to end inclusive."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="leaves")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="leave_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.doctor} away {self.start_date}..{self.end_date}"
