"""Admin pages for the engine's rows.

Doctor-days, slots, tokens, waiting entries and refunds change only through the engine's
services (which lock the doctor-day and record events), so their rule-carrying fields are shown
read-only here; front-desk actions call those services.
"""

import re

from django.contrib import admin
from django.contrib.admin.options import csrf_protect_m
from django.db.models import Count, Q
from django.urls import path
from django.utils import timezone

from accounts import admin as accounts_admin
from accounts.models import Patient
from accounts.roles import Act
from doctors import admin as doctors_admin
from doctors.models import Doctor, DoctorLeave
from scheduling.desk.admin_actions import (
    DOCTOR_ACTIONS,
    PATIENT_ACTIONS,
    REFUND_ACTIONS,
    SLOT_ACTIONS,
    TOKEN_ACTIONS,
    WAITING_ACTIONS,
    DoctorListFilter,
    TokenEventInline,
    rehomed_summary,
    token_payment,
)
from scheduling.desk.admin_booking import (
    book_token_for_patient,
    book_token_view,
    booked_view,
    may_book,
)
from scheduling.models import (
    ACTIVE_STATUSES,
    DoctorDay,
    IdempotencyKey,
    Notification,
    Payment,
    Refund,
    Slot,
    Token,
    TokenEvent,
    WaitingEntry,
)
from scheduling.services.unavailability import record_leave, set_availability

TOKEN_NUMBER = re.compile(r"^\s*([A-Za-z0-9]+)-0*(\d+)\s*$")
PATIENT_SEARCH = ("patient__name", "patient__phone", "patient__mrn")
PAYMENT_SEARCH = ("token__patient__name", "token__patient__phone", "token__patient__mrn")


def slot_window(slot: Slot | None) -> str:
    """A slot as the desk reads it: ``Mon 02 Mar 09:00-10:00`` in the hospital's zone."""
    if slot is None:
        return "-"
    start, end = timezone.localtime(slot.start), timezone.localtime(slot.end)
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


class EngineStateAdmin(accounts_admin.RoleGatedAdmin):
    """Every field read-only but ``editable_fields``; rows come from the engine's services,
    never added or deleted here."""

    editable_fields: tuple[str, ...] = ()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        own = [
            field.name
            for field in self.model._meta.fields
            if field.name not in self.editable_fields
        ]
        return (*own, *super().get_readonly_fields(request, obj))


class ReadOnlyAdmin(EngineStateAdmin):
    """A log: nobody adds, changes or deletes its rows here."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DoctorDay)
class DoctorDayAdmin(EngineStateAdmin):
    list_display = ("doctor", "date", "token_counter", "delay_minutes", "delay_reason")
    list_filter = ("doctor__department", "date", ("doctor", DoctorListFilter))
    search_fields = ("doctor__user__name", "doctor__token_prefix")
    list_select_related = ("doctor__user",)
    date_hierarchy = "date"


@admin.register(Slot)
class SlotAdmin(EngineStateAdmin):
    """Capacity and reserves change only through the "Override capacity" action."""

    editable_fields = ("consultation_fee", "priority_fee")
    field_acts = dict.fromkeys(editable_fields, Act.SET_FEES)
    list_display = (
        "doctor",
        "window",
        "capacity",
        "emergency_reserve",
        "walk_in_reserve",
        "booked",
        "status",
        "consultation_fee",
    )
    list_filter = (
        "status",
        "doctor_day__doctor__department",
        "doctor_day__date",
        ("doctor_day__doctor", DoctorListFilter),
    )
    actions = SLOT_ACTIONS
    search_fields = ("doctor_day__doctor__user__name", "doctor_day__doctor__token_prefix")
    list_select_related = ("doctor_day__doctor__user",)
    date_hierarchy = "start"

    def get_queryset(self, request):
        active = Q(tokens__status__in=ACTIVE_STATUSES)
        return super().get_queryset(request).annotate(booked=Count("tokens", filter=active))

    @admin.display(description="Doctor", ordering="doctor_day__doctor__user__name")
    def doctor(self, slot: Slot) -> str:
        return str(slot.doctor_day.doctor)

    @admin.display(description="Time", ordering="start")
    def window(self, slot: Slot) -> str:
        return slot_window(slot)

    @admin.display(description="Active tokens", ordering="booked")
    def booked(self, slot: Slot) -> int:
        return slot.booked


@admin.register(Token)
class TokenAdmin(EngineStateAdmin):
    readonly_fields = (token_payment,)
    list_display = (
        "display_number",
        "patient_name",
        "patient_mrn",
        "doctor",
        "slot_time",
        "source",
        "priority",
        "status",
        "bump_count",
        "is_overflow",
        "booked_at",
    )
    list_filter = (
        "status",
        "source",
        "is_overflow",
        "doctor_day__doctor__department",
        "doctor_day__date",
        ("doctor_day__doctor", DoctorListFilter),
    )
    actions = TOKEN_ACTIONS
    inlines = (TokenEventInline,)
    search_fields = (
        "reference",
        "number__exact",
        "doctor_day__doctor__token_prefix",
        *PATIENT_SEARCH,
    )
    list_select_related = ("doctor_day__doctor__user", "slot", "patient")
    date_hierarchy = "doctor_day__date"
    ordering = ("-doctor_day__date", "doctor_day__doctor", "number")

    def has_add_permission(self, request):
        """The "Add token" page: the booking form, for roles the matrix lets book for anyone."""
        return may_book(request.user)

    def add_view(self, request, form_url="", extra_context=None):
        """Request a token through the engine's one booking service and say where it landed."""
        return book_token_view(self, request)

    def booked_view(self, request, reference):
        return booked_view(self, request, reference)

    def get_urls(self):
        booked = path(
            "booked/<slug:reference>/",
            self.admin_site.admin_view(self.booked_view),
            name="scheduling_token_booked",
        )
        return [booked, *super().get_urls()]

    def get_search_results(self, request, queryset, search_term):
        """Also find a token by its printed number, e.g. ``CARD1-014``."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = TOKEN_NUMBER.match(search_term or "")
        if match:
            prefix, number = match.groups()
            printed = queryset.filter(
                doctor_day__doctor__token_prefix__iexact=prefix, number=int(number)
            )
            found = found | printed
        return found, may_have_duplicates

    @admin.display(description="Token", ordering="number")
    def display_number(self, token: Token) -> str:
        return token.display_number

    @admin.display(description="Patient", ordering="patient__name")
    def patient_name(self, token: Token) -> str:
        return token.patient.name

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, token: Token) -> str:
        return token.patient.mrn

    @admin.display(description="Doctor", ordering="doctor_day__doctor__user__name")
    def doctor(self, token: Token) -> str:
        return str(token.doctor_day.doctor)

    @admin.display(description="Slot", ordering="slot__start")
    def slot_time(self, token: Token) -> str:
        return slot_window(token.slot)


@admin.register(TokenEvent)
class TokenEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "subject", "doctor", "from_time", "to_time", "actor", "reason")
    list_filter = ("kind", "doctor_day__doctor__department")
    search_fields = (
        "token__reference",
        "token__number__exact",
        "token__patient__name",
        "token__patient__phone",
        "token__patient__mrn",
        "waiting_entry__patient__name",
        "waiting_entry__patient__phone",
        "reason",
    )
    list_select_related = (
        "token__doctor_day__doctor",
        "token__patient",
        "waiting_entry__patient",
        "doctor_day__doctor__user",
        "from_slot",
        "to_slot",
        "actor",
    )
    date_hierarchy = "at"

    @admin.display(description="Token or waiting entry")
    def subject(self, event: TokenEvent) -> str:
        if event.token_id:
            return f"{event.token.display_number} {event.token.patient.name}"
        return f"Waiting: {event.waiting_entry.patient.name}"

    @admin.display(description="Doctor", ordering="doctor_day__doctor__user__name")
    def doctor(self, event: TokenEvent) -> str:
        return str(event.doctor_day.doctor)

    @admin.display(description="From slot")
    def from_time(self, event: TokenEvent) -> str:
        return slot_window(event.from_slot)

    @admin.display(description="To slot")
    def to_time(self, event: TokenEvent) -> str:
        return slot_window(event.to_slot)


@admin.register(Refund)
class RefundAdmin(EngineStateAdmin):
    editable_fields = ("reason",)
    list_display = (
        "token_number",
        "patient_name",
        "amount",
        "status",
        "requested_at",
        "decided_by",
        "decided_at",
        "paid_at",
    )
    list_filter = ("status", "token__doctor_day__doctor__department", "requested_at")
    actions = REFUND_ACTIONS
    search_fields = (
        "token__reference",
        "token__number__exact",
        "token__patient__name",
        "token__patient__phone",
        "token__patient__mrn",
    )
    list_select_related = ("token__doctor_day__doctor", "token__patient", "decided_by")
    date_hierarchy = "requested_at"

    @admin.display(description="Token", ordering="token__number")
    def token_number(self, refund: Refund) -> str:
        return refund.token.display_number

    @admin.display(description="Patient", ordering="token__patient__name")
    def patient_name(self, refund: Refund) -> str:
        return refund.token.patient.name


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Money taken for tokens: a log the payment services write (the cashier reconciles it)."""

    list_display = ("taken_at", "token_number", "patient_name", "amount", "method", "reference")
    list_filter = ("method", "taken_by", "token__doctor_day__doctor__department")
    search_fields = ("reference", "token__reference", "token__number__exact", *PAYMENT_SEARCH)
    list_select_related = ("token__doctor_day__doctor", "token__patient", "taken_by")
    date_hierarchy = "taken_at"

    @admin.display(description="Token", ordering="token__number")
    def token_number(self, payment: Payment) -> str:
        return payment.token.display_number

    @admin.display(description="Patient", ordering="token__patient__name")
    def patient_name(self, payment: Payment) -> str:
        return payment.token.patient.name


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "kind",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient", "subject", *PATIENT_SEARCH)
    list_select_related = ("patient",)
    date_hierarchy = "created_at"


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "user", "response_status", "created_at")
    search_fields = ("key", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"


@admin.register(WaitingEntry)
class WaitingEntryAdmin(EngineStateAdmin):
    """The waiting list; entries are made, promoted and closed by the engine's services."""

    list_display = (
        "patient_name",
        "patient_phone",
        "doctor",
        "date",
        "source",
        "priority",
        "status",
        "requested_at",
        "expires_at",
        "allocated",
    )
    list_filter = (
        "status",
        "source",
        "doctor_day__doctor__department",
        "doctor_day__date",
        ("doctor_day__doctor", DoctorListFilter),
    )
    actions = WAITING_ACTIONS
    search_fields = (
        "patient__name",
        "patient__phone",
        "patient__mrn",
        "doctor_day__doctor__token_prefix",
    )
    list_select_related = (
        "doctor_day__doctor__user",
        "patient",
        "allocated_token__doctor_day__doctor",
    )
    date_hierarchy = "doctor_day__date"
    ordering = ("-doctor_day__date", "doctor_day__doctor", "-priority", "requested_at", "id")

    @admin.display(description="Patient", ordering="patient__name")
    def patient_name(self, entry: WaitingEntry) -> str:
        return entry.patient.name

    @admin.display(description="Phone", ordering="patient__phone")
    def patient_phone(self, entry: WaitingEntry) -> str:
        return entry.patient.phone

    @admin.display(description="Doctor", ordering="doctor_day__doctor__user__name")
    def doctor(self, entry: WaitingEntry) -> str:
        return str(entry.doctor_day.doctor)

    @admin.display(description="Date", ordering="doctor_day__date")
    def date(self, entry: WaitingEntry):
        return entry.doctor_day.date

    @admin.display(description="Token")
    def allocated(self, entry: WaitingEntry) -> str:
        token = entry.allocated_token
        return token.display_number if token is not None else "-"


# The patient and doctor admins of the apps below, with allocation's actions added.
admin.site.unregister(Patient)


@admin.register(Patient)
class PatientAdmin(accounts_admin.PatientAdmin):
    actions = (*PATIENT_ACTIONS, book_token_for_patient)


# The doctors' admin: availability and leave run the doctor-unavailable flow, as the API does.
admin.site.unregister(Doctor)
admin.site.unregister(DoctorLeave)


class ServiceFormAdmin(admin.ModelAdmin):
    """A form whose save calls a service: the service opens its own transaction under the
    doctor-day lock, so the page is not wrapped in one (a durable block cannot nest)."""

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)


class DoctorLeaveInline(doctors_admin.DoctorLeaveInline):
    """Leave added here runs the doctor-unavailable flow; recorded leave is history."""

    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Doctor)
class DoctorAdmin(ServiceFormAdmin, doctors_admin.DoctorAdmin):
    actions = DOCTOR_ACTIONS
    inlines = (doctors_admin.DoctorScheduleInline, DoctorLeaveInline)

    def save_model(self, request, obj, form, change):
        """Availability changes through ``set_availability``: going unavailable moves today's
        patients, and the page says what moved."""
        if not (change and "is_available" in form.changed_data):
            return super().save_model(request, obj, form, change)
        available = obj.is_available
        obj.is_available = not available
        super().save_model(request, obj, form, change)
        moved = set_availability(doctor=obj, is_available=available, actor=request.user)
        if not available:
            self.message_user(request, f"{obj}: unavailable today. {rehomed_summary(moved)}")
        return None

    def save_formset(self, request, form, formset, change):
        """New leave goes through ``record_leave``; schedules are saved as they are."""
        if formset.model is not DoctorLeave:
            return super().save_formset(request, form, formset, change)
        for row in formset.save(commit=False):
            report_leave(self, request, row, doctor=form.instance)
        return None


def report_leave(model_admin, request, row: DoctorLeave, *, doctor: Doctor) -> DoctorLeave:
    """Record ``row`` through the doctor-unavailable flow and say what moved."""
    leave, moved = record_leave(
        doctor=doctor,
        start=row.start_date,
        end=row.end_date,
        actor=request.user,
        reason=row.reason,
    )
    model_admin.message_user(
        request,
        f"{doctor}: on leave {leave.start_date:%d %b}–{leave.end_date:%d %b}. "
        f"{rehomed_summary(moved)}",
    )
    return leave


@admin.register(DoctorLeave)
class DoctorLeaveAdmin(ServiceFormAdmin, doctors_admin.DoctorLeaveAdmin):
    """Adding leave runs the doctor-unavailable flow; recorded leave is history (no edits)."""

    def save_model(self, request, obj, form, change):
        saved = report_leave(self, request, obj, doctor=obj.doctor)
        obj.pk = saved.pk

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
