"""Forms of the serving screens: the doctor's "running late" control and the slip's print
record."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RunningLateForm(forms.Form):
    """How late the doctor runs today (0 clears it), and why; the API's delay takes the same."""

    minutes = forms.IntegerField(
        label=_("Minutes late"), min_value=0, max_value=720, help_text=_("0 clears the delay.")
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class SlipPrintedForm(forms.Form):
    """What the printed slip showed: its slot and the day's delay when the page was drawn."""

    slot = forms.IntegerField(min_value=1, required=False)
    delay = forms.IntegerField(min_value=0, required=False)
