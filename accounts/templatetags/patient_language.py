"""``{% patient_language patient as code %}``: the language to write a patient's paper in.

Used with ``{% language code %}`` around the part of a desk page the patient takes away (the
slip), so the desk keeps its own language and the patient gets theirs.
"""

from django import template
from django.utils import translation

from accounts.languages import language_for

register = template.Library()


@register.simple_tag
def patient_language(patient) -> str:
    return language_for(patient, fallback=translation.get_language())
