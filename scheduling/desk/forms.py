"""Forms of the front desk: they parse input; the services decide."""

from django import forms

from accounts.models import STAFF_ROLES, Sex, User
from doctors.models import Doctor
from scheduling.models import Source
from scheduling.services.payments import DESK_METHODS, PaymentIntent

DESK_SOURCES = (Source.WALK_IN, Source.FOLLOW_UP, Source.PRIORITY, Source.EMERGENCY)
PAY_LATER = "later"
DESK_METHOD_CHOICES = [(method.value, method.label) for method in DESK_METHODS]


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, phone or MRN",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PatientForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=150)
    phone = forms.CharField(
        label="Phone",
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN)
    email = forms.EmailField(label="E-mail (optional)", required=False)


class IssueTokenForm(forms.Form):
    doctor = forms.ModelChoiceField(
        label="Doctor", queryset=Doctor.objects.select_related("user", "department")
    )
    source = forms.ChoiceField(
        label="Kind of token", choices=[(source.value, source.label) for source in DESK_SOURCES]
    )
    reason = forms.CharField(
        label="Reason or note (optional)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    payment_method = forms.ChoiceField(
        label="Payment",
        choices=[*DESK_METHOD_CHOICES, (PAY_LATER, "Pay later (the fee shows as owed)")],
        required=False,
    )
    payment_reference = forms.CharField(
        label="Receipt or transaction reference (optional)", max_length=100, required=False
    )

    def payment(self) -> PaymentIntent | None:
        """The payment taken with the token, or None: pay later (also when nothing is chosen)."""
        method = self.cleaned_data.get("payment_method")
        if not method or method == PAY_LATER:
            return None
        return PaymentIntent(method=method, reference=self.cleaned_data["payment_reference"])


class TakePaymentForm(forms.Form):
    """The fee owed, taken at the counter: the amount is the one the page showed."""

    amount = forms.DecimalField(
        label="Amount", max_digits=8, decimal_places=2, min_value=0, widget=forms.HiddenInput
    )
    method = forms.ChoiceField(label="Method", choices=DESK_METHOD_CHOICES)
    reference = forms.CharField(
        label="Receipt or transaction reference (optional)", max_length=100, required=False
    )


class WaiveFeeForm(forms.Form):
    reason = forms.CharField(label="Why the fee is waived", max_length=300)


class CollectionForm(forms.Form):
    date = forms.DateField(
        label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    taken_by = forms.ModelChoiceField(
        label="Desk user",
        queryset=User.objects.filter(role__in=STAFF_ROLES).order_by("name"),
        required=False,
        empty_label="Everyone",
    )


class CancelTokenForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)


class ConsoleDoctorForm(forms.Form):
    """Staff working the console say which doctor they act for."""

    doctor = forms.ModelChoiceField(label="Doctor", queryset=Doctor.objects.select_related("user"))
