"""Reads of patients: the desk's search and the likely duplicates of a new record."""

import difflib
import unicodedata
from dataclasses import dataclass

from django.db.models import (
    Q,
    QuerySet,
)

from accounts import phones
from accounts.models import Patient

# Two names at least this alike (difflib's ratio of their normal forms) may be one person's.
NAME_SIMILARITY = 0.85
MAX_CANDIDATES = 10


def patient_match(query: str) -> Q | None:
    """The records a search box's text names: by name, MRN or phone, however the phone is
    typed ("09820134567", "9820134567" and "+91 98201 34567" find the same patient)."""
    query = query.strip()
    if not query:
        return None
    match = Q(name__icontains=query) | Q(mrn__iexact=query) | Q(mrn__icontains=query)
    whole_number = phones.search_form(query)
    if whole_number:
        match |= Q(phone=whole_number)
    digits = phones.national_digits(query)
    if len(digits) >= 4 and not any(ch.isalpha() for ch in query):
        match |= Q(phone__contains=digits)
    return match


def find_patients(query: str, *, limit: int = 25) -> QuerySet:
    """Patients whose name, phone or MRN matches what the desk typed; merged records are left
    out (their tokens now belong to the record they were merged into)."""
    match = patient_match(query)
    if match is None:
        return Patient.objects.none()
    live = Patient.objects.filter(match, merged_into__isnull=True)
    return live.order_by("name", "id")[:limit]


def name_key(name: str) -> str:
    """A name as compared for duplicates: no case, accents, punctuation or extra spaces."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() else " " for ch in plain.casefold()).split()
    return " ".join(words)


def names_alike(first: str, second: str) -> bool:
    """Same words in any order ("Rao Asha", "asha  RAO"), or spelt nearly the same."""
    a, b = name_key(first), name_key(second)
    if not a or not b:
        return False
    if sorted(a.split()) == sorted(b.split()) or _initials_agree(a.split(), b.split()):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def _initials_agree(first: list[str], second: list[str]) -> bool:
    """ "R Kumar" and "Ramesh Kumar": every word of the shorter name is a word of the longer or
    its initial, and at least one whole word is shared."""
    shorter, longer = sorted((first, second), key=len)
    left = list(longer)
    whole = 0
    for word in shorter:
        if word in left:
            left.remove(word)
            whole += 1
            continue
        initial = next((other for other in left if len(word) == 1 and other[0] == word), None)
        if initial is None:
            return False
        left.remove(initial)
    return whole > 0


@dataclass(frozen=True)
class DuplicateCandidate:
    """A record that may be the same person as one about to be created, and why."""

    patient: Patient
    same_phone: bool
    similar_name: bool

    @property
    def masked_phone(self) -> str:
        return phones.mask_phone(self.patient.phone)

    def as_details(self) -> dict:
        birth_year = self.patient.date_of_birth.year if self.patient.date_of_birth else None
        return {
            "id": self.patient.id,
            "mrn": self.patient.mrn,
            "name": self.patient.name,
            "birth_year": birth_year,
        }


def likely_duplicates(
    *, name: str, phone: str = "", birth_year: int | None = None, exclude: Patient | None = None
) -> list[DuplicateCandidate]:
    """Records that may already be this person: a similar name with the same (E.164) phone or
    the same birth year. A shared phone alone is not a match: families in India often register
    several members under one number. Merged records are never candidates."""
    live = Patient.objects.filter(merged_into__isnull=True)
    if exclude is not None:
        live = live.exclude(pk=exclude.pk)
    near = Q(phone=phone) if phone else Q(pk__in=[])
    if birth_year is not None:
        near |= Q(date_of_birth__year=birth_year)
    found = []
    for patient in live.filter(near).order_by("-created_at", "-id").iterator():
        same_phone = bool(phone) and patient.phone == phone and names_alike(name, patient.name)
        similar_name = (
            birth_year is not None
            and patient.date_of_birth is not None
            and patient.date_of_birth.year == birth_year
            and names_alike(name, patient.name)
        )
        if same_phone or similar_name:
            found.append(DuplicateCandidate(patient, same_phone, similar_name))
            if len(found) == MAX_CANDIDATES:
                break
    return found
