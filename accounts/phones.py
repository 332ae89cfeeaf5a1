"""Phone numbers: the one place they are parsed, stored in one normal form, searched and masked.

Every door (the desk's forms, the API's serializers, the admin, the hospital builder) and the
patient services read a typed number here: with the ``phonenumbers`` library, in the region of
``settings.PHONE_DEFAULT_REGION`` when it has no country code, stored as E.164. So
"09820134567", "9820134567" and "+91 98201 34567" are one number, "+919820134567".
"""

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE = _("Enter a valid phone number, e.g. 98201 34567 or +91 98201 34567.")
# Longest a typed number may be (spaces, dashes and brackets included).
MAX_TYPED = 32


def _parse(raw: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise_phone(raw: str | None) -> str:
    """The number in E.164, or "" for an empty one; a number that is not one is refused
    (``ValidationError`` with code ``invalid_phone``)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    number = _parse(raw) if len(raw) <= MAX_TYPED else None
    if number is None:
        raise ValidationError(INVALID_PHONE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_or_keep(raw: str | None) -> str:
    """E.164 when the number parses, else the text as it was (stored rows, builder plans)."""
    try:
        return normalise_phone(raw)
    except ValidationError:
        return (raw or "").strip()


def search_form(query: str) -> str | None:
    """The E.164 form of a search box's text when the text is a whole phone number."""
    digits = sum(ch.isdigit() for ch in query)
    if digits < 7 or any(ch.isalpha() for ch in query):
        return None
    try:
        return normalise_phone(query)
    except ValidationError:
        return None


def national_digits(query: str) -> str:
    """The digits of a partial number as they appear inside an E.164 number: a leading
    trunk zero dropped ("098201" finds "+9198201...")."""
    digits = "".join(ch for ch in query if ch.isdigit())
    return digits.lstrip("0") if not query.strip().startswith("+") else digits


def mask_phone(phone: str) -> str:
    """The number with all but its last four digits hidden, for lists of possible matches."""
    if not phone:
        return ""
    head = phone[:3] if phone.startswith("+") else ""
    hidden = len(phone) - len(head) - 4
    return f"{head} {'•' * max(hidden, 0)}{phone[-4:]}".strip()


class PhoneField(forms.CharField):
    """A form field that accepts a number however it is typed and cleans it to E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_TYPED)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return normalise_phone(super().clean(value))
