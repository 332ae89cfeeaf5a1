"""Reads of patients: the desk's search."""

from django.db.models import (
    Q,
    QuerySet,
)

from accounts.models import Patient


def find_patients(query: str, *, limit: int = 25) -> QuerySet:
    """Patients whose name, phone or MRN matches what the desk typed."""
    query = query.strip()
    if not query:
        return Patient.objects.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    match = Q(name__icontains=query) | Q(mrn__iexact=query) | Q(mrn__icontains=query)
    if len(digits) >= 4:
        match |= Q(phone__contains=digits)
    return Patient.objects.filter(match).order_by("name", "id")[:limit]
