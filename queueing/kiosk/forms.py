"""The kiosk's one form: the token (a scanned status URL or a typed reference) and four digits."""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

# The slip's QR code holds the status page's address, ``.../status/<reference>/``; a USB scanner
# types it into the focused field like a keyboard.
STATUS_ADDRESS = re.compile(r"/status/([A-Za-z0-9]+)/?")
REFERENCE = re.compile(r"[a-z0-9]{4,16}")
PROOF_LENGTH = 4


def reference_from(text: str) -> str | None:
    """The token reference in a scanned status address or a typed reference; None if neither."""
    text = text.strip()
    found = STATUS_ADDRESS.search(text)
    candidate = found.group(1) if found else re.sub(r"[\s-]", "", text)
    candidate = candidate.lower()
    return candidate if REFERENCE.fullmatch(candidate) else None


def plain_characters(text: str) -> str:
    """Upper-case letters and ASCII digits (a Devanagari ``१२३४`` is ``1234``), no spaces."""
    characters = []
    for character in text.strip():
        if character.isspace():
            continue
        digit = unicodedata.decimal(character, None)
        characters.append(str(digit) if digit is not None else character.upper())
    return "".join(characters)


class CheckInForm(forms.Form):
    """The page writes the inputs itself: large touch fields, the scanner's and keys' hooks."""

    reference = forms.CharField(
        label=_("Scan the QR code on your slip, or type the token reference"), max_length=300
    )
    digits = forms.CharField(label=_("Last 4 digits of your phone number"), max_length=16)
    lang = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    def clean_digits(self) -> str:
        digits = plain_characters(self.cleaned_data["digits"])
        if len(digits) != PROOF_LENGTH:
            raise forms.ValidationError(_("Please type exactly 4 digits or characters."))
        return digits
