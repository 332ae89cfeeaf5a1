"""Forms of the front desk: they parse input; the services decide."""

from django import forms

from accounts.models import Sex
from doctors.models import Doctor
from scheduling.models import Source

DESK_SOURCES = (Source.WALK_IN, Source.FOLLOW_UP, Source.PRIORITY, Source.EMERGENCY)


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


class CancelTokenForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)


class ConsoleDoctorForm(forms.Form):
    """Staff working the console say which doctor they act for."""

    doctor = forms.ModelChoiceField(label="Doctor", queryset=Doctor.objects.select_related("user"))
