"""The admin's booking door: "Add token" opens a booking form.

The form asks the engine's one booking service, ``request_token`` (the same one ``POST tokens``
and the desk's issue page call), and the page then says what the engine did: seated in a slot,
moved to a later slot, moved whom to make room, or put on the waiting list at which position.
A refusal is shown as a form error; the service writes nothing when it refuses.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import acts_as
from accounts.models import Patient
from accounts.roles import Act, may
from accounts.roles import may_book as may_book_source
from doctors.models import Doctor
from opd_site import clock
from scheduling.desk.forms import DESK_METHOD_CHOICES, PAY_LATER
from scheduling.errors import DomainError
from scheduling.models import PaymentState, Slot, Source, Token, WaitingEntry
from scheduling.selectors import position_of, token_history
from scheduling.services.outcomes import Allocation, Outcome
from scheduling.services.payments import PaymentIntent, payment_of
from scheduling.services.requests import request_token

# Which field of the form a refusal is about (by its stable code); the rest stand above the form.
ERROR_FIELDS = {
    "slot_not_bookable": "slot",
    "outside_booking_window": "date",
    "doctor_unavailable": "doctor",
    "doctor_not_working": "doctor",
    "already_booked": "patient",
    "patient_blocked": "patient",
    "not_eligible_for_follow_up": "source",
    "payment_required": "payment_method",
    "nothing_owed": "payment_method",
}


def bookable_sources(user) -> list[Source]:
    """The sources this user may book for any patient, in the matrix's words."""
    if not may(user, Act.BOOK_FOR_ANY_PATIENT):
        return []
    return [source for source in Source if may_book_source(user, source)]


def may_book(user) -> bool:
    return bool(bookable_sources(user))


def slot_label(slot: Slot | None) -> str:
    """A slot as the desk reads it: ``Mon 02 Mar 09:00-10:00`` in the hospital's zone."""
    if slot is None:
        return "-"
    start, end = timezone.localtime(slot.start), timezone.localtime(slot.end)
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


class AdminBookingForm(forms.Form):
    """A request for a token, as the API takes it; the engine decides where it lands."""

    patient = forms.ModelChoiceField(
        label=gettext_lazy("Patient"),
        queryset=Patient.objects.filter(merged_into__isnull=True),
        widget=AutocompleteSelect(Token._meta.get_field("patient"), admin.site),
    )
    doctor = forms.ModelChoiceField(
        label=gettext_lazy("Doctor"),
        queryset=Doctor.objects.select_related("user", "department").order_by("user__name"),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source = forms.ChoiceField(label=gettext_lazy("Kind of token"))
    slot = forms.ModelChoiceField(
        label=gettext_lazy("Preferred slot (optional)"),
        queryset=Slot.objects.select_related("doctor_day__doctor__user"),
        widget=AutocompleteSelect(Token._meta.get_field("slot"), admin.site),
        required=False,
        help_text=gettext_lazy("By default the earliest slot that has not ended."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason or note (optional)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 60}),
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"),
        required=False,
        help_text=gettext_lazy(
            "For tokens that carry a fee (paid priority, consultation fees): how the patient "
            "paid, or pay later (the fee shows as owed). A waiting-list entry takes no payment."
        ),
    )
    payment_reference = forms.CharField(
        label=gettext_lazy("Receipt or transaction reference (optional)"),
        max_length=100,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            (source.value, source.label) for source in bookable_sources(user)
        ]
        self.fields["payment_method"].choices = [
            (PAY_LATER, _("Pay later (the fee shows as owed)")),
            *DESK_METHOD_CHOICES,
        ]

    def clean(self):
        data = super().clean()
        slot, doctor, day = data.get("slot"), data.get("doctor"), data.get("date")
        chosen = slot is not None and doctor is not None and day is not None
        if chosen and (slot.doctor_day.doctor_id != doctor.pk or slot.doctor_day.date != day):
            self.add_error("slot", _("That slot belongs to another doctor or date."))
        return data

    def payment(self) -> PaymentIntent | None:
        """The payment taken with the token, or None: pay later (also when nothing is chosen)."""
        method = self.cleaned_data.get("payment_method")
        if not method or method == PAY_LATER:
            return None
        return PaymentIntent(method=method, reference=self.cleaned_data["payment_reference"])


def initial_from(request: HttpRequest) -> dict:
    """Prefill from the address (``?patient=7&doctor=2&source=walk_in``); today by default."""
    initial = {"date": clock.today(), "source": Source.WALK_IN, "payment_method": PAY_LATER}
    for name in ("patient", "doctor", "source", "slot", "date"):
        value = request.GET.get(name)
        if value:
            initial[name] = value
    return initial


def outcome_lines(allocation: Allocation) -> list[str]:
    """What the engine did, in the desk's words: one line per token it seated or moved."""
    if allocation.token is None:
        entry = WaitingEntry.objects.get(pk=allocation.waiting.pk)
        return [
            _("No seat left that day: waitlisted at position %(position)s.")
            % {"position": position_of(entry)}
        ]
    token = allocation.token
    where = {"number": token.display_number, "slot": slot_label(token.slot)}
    if allocation.outcome == Outcome.MOVED:
        lines = [
            _(
                "The requested slot was full: token %(number)s moved to a later slot, seated in "
                "%(slot)s."
            )
            % where
        ]
    elif allocation.outcome == Outcome.OVERFLOW:
        lines = [_("Token %(number)s seated in %(slot)s, past the slot's capacity.") % where]
    else:
        lines = [_("Token %(number)s seated in %(slot)s.") % where]
    for moved in Token.objects.filter(pk__in=[b.pk for b in allocation.bumped]).select_related(
        "slot", "doctor_day__doctor"
    ):
        lines.append(
            _("Bumped token %(number)s to make room: now in %(slot)s.")
            % {"number": moved.display_number, "slot": slot_label(moved.slot)}
        )
    return lines


def fee_line(token: Token) -> str:
    """What the clerk is told about the fee of a token just booked."""
    payment = payment_of(token)
    if token.payment_state == PaymentState.PAID and payment is not None:
        return _("Paid %(amount)s by %(method)s.") % {
            "amount": payment.amount,
            "method": payment.get_method_display(),
        }
    if token.fee > 0:
        return _("%(fee)s to pay: the fee shows as owed until the desk takes it.") % {
            "fee": token.fee
        }
    return ""


def book_token_view(model_admin, request: HttpRequest) -> HttpResponse:
    """GET: the booking form. POST: request the token, then show where it landed."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    site = model_admin.admin_site
    if request.method == "POST":
        form = AdminBookingForm(request.POST, user=request.user)
        if form.is_valid():
            allocation = _request(request, form)
            if allocation is not None:
                return _report(model_admin, request, allocation)
    else:
        form = AdminBookingForm(initial=initial_from(request), user=request.user)
    opts = model_admin.model._meta
    context = {
        **site.each_context(request),
        "title": _("Book a token"),
        "subtitle": None,
        "opts": opts,
        "form": form,
        "media": model_admin.media + form.media,
        "has_view_permission": model_admin.has_view_permission(request),
    }
    return TemplateResponse(request, "admin/scheduling/token/book.html", context)


def _request(request: HttpRequest, form: AdminBookingForm) -> Allocation | None:
    """Ask the engine; a refusal becomes a form error (the engine wrote nothing)."""
    data = form.cleaned_data
    try:
        return request_token(
            doctor=data["doctor"],
            day=data["date"],
            source=data["source"],
            patient=data["patient"],
            preferred_slot=data["slot"],
            reason=data["reason"],
            actor=request.user,
            payment=form.payment(),
        )
    except DomainError as error:
        field = ERROR_FIELDS.get(error.code)
        form.add_error(field if field in form.fields else None, error.message)
        return None


def _report(model_admin, request: HttpRequest, allocation: Allocation) -> HttpResponse:
    lines = outcome_lines(allocation)
    if allocation.token is not None:
        lines.append(fee_line(allocation.token))
    model_admin.message_user(request, " ".join(line for line in lines if line), messages.SUCCESS)
    reference = (allocation.token or allocation.waiting).reference
    return redirect("admin:scheduling_token_booked", reference=reference)


def booked_view(model_admin, request: HttpRequest, reference: str) -> HttpResponse:
    """Where a booking landed: the token (with its slip and history) or the waiting entry."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    token = (
        Token.objects.select_related("doctor_day__doctor__user", "slot", "patient")
        .filter(reference=reference)
        .first()
    )
    entry = None
    if token is None:
        entry = (
            WaitingEntry.objects.select_related("doctor_day__doctor__user", "patient")
            .filter(reference=reference)
            .first()
        )
        if entry is None:
            raise Http404(_("No token or waiting entry has that reference."))
    site = model_admin.admin_site
    context = {
        **site.each_context(request),
        "title": _("Booked") if token is not None else _("On the waiting list"),
        "subtitle": None,
        "opts": model_admin.model._meta,
        "token": token,
        "slot_label": slot_label(token.slot) if token is not None else "",
        "history": token_history(token) if token is not None else (),
        "fee_line": fee_line(token) if token is not None else "",
        "entry": entry,
        "position": position_of(entry) if entry is not None else None,
        "doctor": (token or entry).doctor_day.doctor,
        "may_book": model_admin.has_add_permission(request),
    }
    return TemplateResponse(request, "admin/scheduling/token/booked.html", context)


@acts_as(Act.BOOK_FOR_ANY_PATIENT)
@admin.action(description=gettext_lazy("Book a token"), permissions=["view"])
def book_token_for_patient(modeladmin, request, queryset):
    """The booking form, prefilled with the one selected patient."""
    chosen = list(queryset.values_list("pk", flat=True)[:2])
    if len(chosen) != 1:
        modeladmin.message_user(
            request, _("Select exactly one patient to book a token for."), messages.WARNING
        )
        return None
    return redirect(f"{reverse('admin:scheduling_token_add')}?patient={chosen[0]}")
