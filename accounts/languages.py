"""Which language a patient reads: their own choice, else the request's, else the site's.

``Patient.preferred_language`` holds a language code ("hi", "en", ...). It wins over the
browser's Accept-Language for what is made for that patient: the token slip, the public status
page and notifications. An empty or unknown code means no preference.
"""

from django.conf import settings
from django.utils import translation


def supported_language(code: str | None) -> str | None:
    """The site language (one of ``settings.LANGUAGES``) a code asks for, or None."""
    code = (code or "").strip()
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def preferred_language(patient) -> str | None:
    """The site language the patient asked for, or None."""
    return supported_language(getattr(patient, "preferred_language", ""))


def language_for(patient, fallback: str | None = None) -> str:
    """The patient's language, else ``fallback`` (the request's), else the site's default."""
    return preferred_language(patient) or fallback or settings.LANGUAGE_CODE
