"""The front desk in the admin site: actions, the token history inline and a doctor filter.

Each action calls an engine service once per selected row.

Every row gets its own message: what happened, or the domain error's message. Actions that need
input (a cancellation reason, a capacity, a delay, a leave) first show a small form page and run
when it is posted back with the same selection.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin import acts_as
from accounts.roles import Act
from accounts.services import clear_booking_block
from doctors.models import Doctor
from scheduling.errors import DomainError
from scheduling.models import PaymentState, Refund, TokenEvent
from scheduling.services import cancellation
from scheduling.services.capacity import override_slot
from scheduling.services.delay import set_delay
from scheduling.services.emergencies import fast_track
from scheduling.services.no_show import mark_no_show
from scheduling.services.patients import merge_patients
from scheduling.services.payments import payment_summary
from scheduling.services.rehoming import Rehomed
from scheduling.services.unavailability import cancel_slot, record_leave
from scheduling.services.waiting_list import cancel_waiting

ACTION_FORM_TEMPLATE = "desk/admin/action_form.html"


class DoctorListFilter(admin.RelatedFieldListFilter):
    """Filter by doctor, naming every doctor from one query (not one per doctor)."""

    def field_choices(self, field, request, model_admin):
        doctors = Doctor.objects.select_related("user").order_by("user__name", "pk")
        return [(doctor.pk, str(doctor)) for doctor in doctors]


def run_each(modeladmin, request, rows: Iterable, operation: Callable, done) -> None:
    """Call ``operation(row)`` for every row; report success or the domain error per row."""
    for row in rows:
        try:
            outcome = operation(row)
        except DomainError as error:
            modeladmin.message_user(request, f"{row}: {error.message}", messages.ERROR)
        else:
            text = done(row, outcome) if callable(done) else done
            modeladmin.message_user(request, f"{row}: {text}", messages.SUCCESS)


def with_form(modeladmin, request, queryset, *, form_class, title: str, run: Callable):
    """Show ``form_class`` for the selected rows; once posted valid, ``run(form.cleaned_data)``."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        run(form.cleaned_data)
        return None  # back to the change list, with the messages
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "rows": list(queryset),
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, ACTION_FORM_TEMPLATE, context)


def rehomed_summary(results: list[Rehomed]) -> str:
    moved = sum(1 for item in results if item.outcome == "moved")
    cancelled = len(results) - moved
    return f"{moved} token(s) moved to later slots, {cancelled} cancelled and waitlisted."


def selected_tokens(queryset):
    return queryset.select_related("doctor_day__doctor", "slot", "patient")


# Tokens -------------------------------------------------------------------------------------


class CancelReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


@acts_as(Act.MARK_NO_SHOW)
@admin.action(
    description="Mark no-show (frees the seat for the waiting list)", permissions=["change"]
)
def mark_no_show_tokens(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        selected_tokens(queryset),
        lambda token: mark_no_show(token=token, actor=request.user),
        "marked as a no-show; the seat went to the waiting list.",
    )


@acts_as(Act.FAST_TRACK)
@admin.action(description="Fast-track to emergency priority", permissions=["change"])
def fast_track_tokens(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        selected_tokens(queryset),
        lambda token: fast_track(token=token, actor=request.user),
        lambda token, fresh: f"fast-tracked to the {fresh.slot.start:%H:%M} slot.",
    )


@acts_as(Act.CANCEL_TOKEN)
@admin.action(description="Cancel with a reason…", permissions=["change"])
def cancel_tokens(modeladmin, request, queryset):
    def run(data):
        run_each(
            modeladmin,
            request,
            selected_tokens(queryset),
            lambda token: cancellation.cancel_token(
                token=token, actor=request.user, reason=data["reason"]
            ),
            "cancelled; the seat went to the waiting list.",
        )

    return with_form(
        modeladmin, request, queryset, form_class=CancelReasonForm, title="Cancel tokens", run=run
    )


TOKEN_ACTIONS = (mark_no_show_tokens, cancel_tokens, fast_track_tokens)


@admin.display(description="Payment")
def token_payment(token) -> str:
    """The token's fee and its payment, read-only: only the payment services change them."""
    payment = payment_summary(token)
    if payment.state == PaymentState.PAID:
        who = f" by {payment.taken_by.name}" if payment.taken_by else " online"
        when = f" on {timezone.localtime(payment.taken_at):%d %b %Y %H:%M}"
        ref = f", ref. {payment.reference}" if payment.reference else ""
        return f"Paid {payment.paid} ({payment.method_label}{ref}){who}{when}"
    if payment.state == PaymentState.WAIVED:
        who = f" by {payment.waived_by.name}" if payment.waived_by else ""
        return f"Fee of {payment.fee} waived{who}: {payment.waiver_reason}"
    if payment.state == PaymentState.REFUNDED:
        return f"Refunded ({payment.paid} paid back)"
    return f"Unpaid: {payment.owed} owed" if payment.owed else "Unpaid: nothing owed"


class TokenEventInline(admin.TabularInline):
    """The token's history, read-only: why it is where it is."""

    model = TokenEvent
    fk_name = "token"
    extra = 0
    can_delete = False
    fields = ("at", "kind", "from_time", "to_time", "actor_name", "reason")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name = "event"
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_slot", "to_slot", "actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="From slot")
    def from_time(self, event: TokenEvent) -> str:
        return local_window(event.from_slot)

    @admin.display(description="To slot")
    def to_time(self, event: TokenEvent) -> str:
        return local_window(event.to_slot)

    @admin.display(description="By")
    def actor_name(self, event: TokenEvent) -> str:
        return event.actor.name if event.actor_id else "system"


def local_window(slot) -> str:
    """A slot's window in the hospital's zone, e.g. ``09:00-10:00``."""
    if slot is None:
        return "-"
    return f"{timezone.localtime(slot.start):%H:%M}-{timezone.localtime(slot.end):%H:%M}"


# Slots --------------------------------------------------------------------------------------


class SlotUnavailableForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (told to the patients)"),
        max_length=300,
        required=False,
        initial="The doctor is unavailable for this slot.",
    )


class CapacityOverrideForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, required=False)
    emergency_reserve = forms.IntegerField(
        label=_("Emergency reserve"), min_value=0, required=False
    )
    walk_in_reserve = forms.IntegerField(label=_("Walk-in reserve"), min_value=0, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if all(
            data.get(name) is None for name in ("capacity", "emergency_reserve", "walk_in_reserve")
        ):
            raise forms.ValidationError(_("Give a capacity or a reserve to set."))
        return data


def _slots(queryset):
    return queryset.select_related("doctor_day__doctor__user").order_by("start")


@acts_as(Act.CANCEL_SLOT)
@admin.action(description="Doctor unavailable: cancel the slot…", permissions=["change"])
def doctor_unavailable_for_slots(modeladmin, request, queryset):
    def run(data):
        run_each(
            modeladmin,
            request,
            _slots(queryset),
            lambda slot: cancel_slot(slot=slot, actor=request.user, reason=data["reason"]),
            lambda slot, results: f"cancelled. {rehomed_summary(results)}",
        )

    return with_form(
        modeladmin,
        request,
        queryset,
        form_class=SlotUnavailableForm,
        title="Doctor unavailable for these slots",
        run=run,
    )


@acts_as(Act.OVERRIDE_CAPACITY)
@admin.action(description="Override capacity…", permissions=["change"])
def override_capacity(modeladmin, request, queryset):
    def run(data):
        run_each(
            modeladmin,
            request,
            _slots(queryset),
            lambda slot: override_slot(slot=slot, actor=request.user, **data),
            lambda slot, fresh: (
                f"capacity {fresh.capacity}, emergency reserve {fresh.emergency_reserve}, "
                f"walk-in reserve {fresh.walk_in_reserve}."
            ),
        )

    return with_form(
        modeladmin,
        request,
        queryset,
        form_class=CapacityOverrideForm,
        title="Override slot capacity",
        run=run,
    )


SLOT_ACTIONS = (doctor_unavailable_for_slots, override_capacity)


# Doctors ------------------------------------------------------------------------------------


class DelayForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes late today (0 clears the delay)"), min_value=0, max_value=600
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class LeaveForm(forms.Form):
    start = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


def _doctors(queryset):
    return queryset.select_related("user")


@acts_as(Act.RECORD_DELAY)
@admin.action(description="Record a delay today…", permissions=["change"])
def record_delay(modeladmin, request, queryset):
    def run(data):
        run_each(
            modeladmin,
            request,
            _doctors(queryset),
            lambda doctor: set_delay(
                doctor=doctor, minutes=data["minutes"], actor=request.user, reason=data["reason"]
            ),
            lambda doctor, outcome: (
                f"running {outcome[0].delay_minutes} min late. {rehomed_summary(outcome[1])}"
            ),
        )

    return with_form(
        modeladmin, request, queryset, form_class=DelayForm, title="Record a delay", run=run
    )


@acts_as(Act.RECORD_LEAVE)
@admin.action(description="Record leave…", permissions=["change"])
def record_doctor_leave(modeladmin, request, queryset):
    def run(data):
        run_each(
            modeladmin,
            request,
            _doctors(queryset),
            lambda doctor: record_leave(
                doctor=doctor,
                start=data["start"],
                end=data["end"],
                actor=request.user,
                reason=data["reason"],
            ),
            lambda doctor, outcome: (
                f"on leave {outcome[0].start_date:%d %b}–{outcome[0].end_date:%d %b}. "
                f"{rehomed_summary(outcome[1])}"
            ),
        )

    return with_form(
        modeladmin, request, queryset, form_class=LeaveForm, title="Record leave", run=run
    )


DOCTOR_ACTIONS = (record_delay, record_doctor_leave)


# Refunds, waiting entries, patients ---------------------------------------------------------


def _refund_action(status: str, description: str, done: str):
    @acts_as(Act.DECIDE_REFUND)
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        run_each(
            modeladmin,
            request,
            queryset.select_related("token__doctor_day__doctor"),
            lambda refund: cancellation.set_refund_status(
                refund=refund, status=status, actor=request.user
            ),
            done,
        )

    action.__name__ = f"refund_{status}"
    return action


approve_refunds = _refund_action(Refund.Status.APPROVED, "Approve refunds", "approved.")
reject_refunds = _refund_action(Refund.Status.REJECTED, "Reject refunds", "rejected.")
mark_refunds_paid = _refund_action(Refund.Status.PAID, "Mark refunds paid", "marked paid.")

REFUND_ACTIONS = (approve_refunds, reject_refunds, mark_refunds_paid)


@acts_as(Act.CANCEL_WAITING)
@admin.action(description="Take off the waiting list", permissions=["change"])
def cancel_waiting_entries(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset.select_related("patient", "doctor_day__doctor__user"),
        lambda entry: cancel_waiting(entry=entry, actor=request.user, reason="Removed by staff."),
        "taken off the waiting list.",
    )


WAITING_ACTIONS = (cancel_waiting_entries,)


@acts_as(Act.CLEAR_BOOKING_BLOCK)
@admin.action(description="Clear the online-booking block", permissions=["change"])
def clear_booking_blocks(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset,
        lambda patient: clear_booking_block(patient=patient, actor=request.user),
        "may book online again.",
    )


@acts_as(Act.MERGE_PATIENTS)
@admin.action(
    description=_("Merge two records of one person (the later into the earlier)"),
    permissions=["change"],
)
def merge_two_patients(modeladmin, request, queryset):
    """Two selected records: the one registered first is kept, the other merged into it."""
    records = list(queryset.order_by("created_at", "id")[:3])
    if len(records) != 2:
        modeladmin.message_user(
            request, _("Select exactly two records of the same person."), messages.ERROR
        )
        return
    keep, duplicate = records
    try:
        merge_patients(keep=keep, duplicate=duplicate, actor=request.user)
    except DomainError as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
    else:
        modeladmin.message_user(
            request,
            _("%(duplicate)s was merged into %(kept)s.")
            % {"duplicate": duplicate.mrn, "kept": keep.mrn},
            messages.SUCCESS,
        )


PATIENT_ACTIONS = (clear_booking_blocks, merge_two_patients)
