"""Forms of the front desk: they parse input; the services decide."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Patient, PhoneMissing, Sex, User
from accounts.phones import PhoneField
from doctors.models import Doctor
from scheduling.models import Source
from scheduling.services.payments import DESK_METHODS, PaymentIntent

DESK_SOURCES = (Source.WALK_IN, Source.FOLLOW_UP, Source.PRIORITY, Source.EMERGENCY)
PAY_LATER = "later"
DESK_METHOD_CHOICES = [(method.value, method.label) for method in DESK_METHODS]


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, phone or MRN"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PatientForm(forms.Form):
    """A new patient: a phone however typed (or why there is none), a birth date or an age."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    phone = PhoneField(label=_("Phone"), required=False)
    phone_missing_reason = forms.ChoiceField(
        label=_("No phone because"),
        choices=[("", "—"), *PhoneMissing.choices],
        required=False,
    )
    age_years = forms.IntegerField(
        label=_("Age in years"),
        min_value=0,
        max_value=130,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    date_of_birth = forms.DateField(
        label=_("or date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), required=False)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = [("", _("Not stated")), *settings.LANGUAGES]


class MergePatientForm(forms.Form):
    """The record a duplicate is merged into."""

    into = forms.ModelChoiceField(
        queryset=Patient.objects.filter(merged_into__isnull=True), widget=forms.HiddenInput
    )


class IssueTokenForm(forms.Form):
    doctor = forms.ModelChoiceField(
        label=_("Doctor"), queryset=Doctor.objects.select_related("user", "department")
    )
    source = forms.ChoiceField(
        label=_("Kind of token"), choices=[(source.value, source.label) for source in DESK_SOURCES]
    )
    reason = forms.CharField(
        label=_("Reason or note (optional)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=[*DESK_METHOD_CHOICES, (PAY_LATER, "Pay later (the fee shows as owed)")],
        required=False,
    )
    payment_reference = forms.CharField(
        label=_("Receipt or transaction reference (optional)"), max_length=100, required=False
    )
    check_in_now = forms.BooleanField(label=_("Check in now (the patient is here)"), required=False)

    def payment(self) -> PaymentIntent | None:
        """The payment taken with the token, or None: pay later (also when nothing is chosen)."""
        method = self.cleaned_data.get("payment_method")
        if not method or method == PAY_LATER:
            return None
        return PaymentIntent(method=method, reference=self.cleaned_data["payment_reference"])


class TakePaymentForm(forms.Form):
    """The fee owed, taken at the counter: the amount is the one the page showed."""

    amount = forms.DecimalField(
        label=_("Amount"), max_digits=8, decimal_places=2, min_value=0, widget=forms.HiddenInput
    )
    method = forms.ChoiceField(label=_("Method"), choices=DESK_METHOD_CHOICES)
    reference = forms.CharField(
        label=_("Receipt or transaction reference (optional)"), max_length=100, required=False
    )


class WaiveFeeForm(forms.Form):
    reason = forms.CharField(label=_("Why the fee is waived"), max_length=300)


class CollectionForm(forms.Form):
    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    taken_by = forms.ModelChoiceField(
        label=_("Desk user"),
        queryset=User.objects.filter(role__in=STAFF_ROLES).order_by("name"),
        required=False,
        empty_label=_("Everyone"),
    )


class CancelTokenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=300,
        error_messages={"required": _("Give a reason for cancelling.")},
    )
    # Set only by the confirmation page's button: without it nothing is cancelled.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ConsoleDoctorForm(forms.Form):
    """Staff working the console say which doctor they act for."""

    doctor = forms.ModelChoiceField(
        label=_("Doctor"), queryset=Doctor.objects.select_related("user")
    )
