"""Accounts: patient sign-up, profiles and passwords, and the front desk's patient records."""

from datetime import date

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import phones
from accounts.models import Patient, PhoneMissing, Role, Sex, User
from accounts.selectors import DuplicateCandidate, likely_duplicates
from opd_site import clock
from opd_site.errors import DomainError, InvalidRequest

EMAIL_TAKEN = "An account with this e-mail address already exists."
MAX_AGE_YEARS = 130


class WrongPassword(InvalidRequest):
    """The current password given to change it is not the account's: a failed sign-in."""

    default_message = _("The current password is wrong.")


def normalise_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def ensure_password_acceptable(*, password: str, user: User, field: str = "password") -> None:
    """Django's password validators; their messages become per-field details."""
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidRequest(
            gettext("Choose a stronger password."), details={field: list(exc.messages)}
        ) from exc


def _ensure_email_free(email: str, *, exclude: User | None = None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise InvalidRequest(EMAIL_TAKEN, details={"email": [EMAIL_TAKEN]})


def _account_phone(phone: str) -> str:
    """A phone given with an account, in E.164 (refused when it is not a number)."""
    problems: dict = {}
    phone = _check_phone(phone, problems)
    if problems:
        raise InvalidRequest(gettext("Check the phone number."), details=problems)
    return phone


def register_patient(*, name: str, email: str, password: str, phone: str = "") -> User:
    """Create a patient's account and the patient record linked to it, together."""
    email = normalise_email(email)
    phone = _account_phone(phone)
    _ensure_email_free(email)
    ensure_password_acceptable(
        password=password, user=User(email=email, name=name, phone=phone, role=Role.PATIENT)
    )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, name=name, phone=phone, role=Role.PATIENT
            )
            Patient.objects.create(user=user, name=name, phone=phone, email=email)
    except IntegrityError as exc:
        # Another sign-up with the same address won the race.
        raise InvalidRequest(EMAIL_TAKEN, details={"email": [EMAIL_TAKEN]}) from exc
    return user


@transaction.atomic
def update_profile(
    *, user: User, name: str | None = None, email: str | None = None, phone: str | None = None
) -> User:
    """Change one's own name, e-mail or phone; a patient's record follows the account."""
    fields = []
    if email is not None:
        email = normalise_email(email)
        _ensure_email_free(email, exclude=user)
        user.email = email
        fields.append("email")
    if name is not None:
        user.name = name
        fields.append("name")
    if phone is not None:
        user.phone = _account_phone(phone)
        fields.append("phone")
    if fields:
        user.save(update_fields=fields)
        linked = {"email": user.email, "name": user.name, "phone": user.phone}
        Patient.objects.filter(user=user).update(**{key: linked[key] for key in fields})
    return user


@transaction.atomic
def change_password(*, user: User, old_password: str, new_password: str) -> User:
    """Check the old password, apply the validators, and set the new one.

    Saving a new password revokes every refresh token issued before (``accounts.signals``),
    whichever door changed it.
    """
    if not user.check_password(old_password):
        raise WrongPassword(details={"old_password": ["Wrong password."]})
    ensure_password_acceptable(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token issued to the user, so old sessions cannot renew."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


class PossibleDuplicate(DomainError):
    """The record about to be created looks like one that exists: the desk decides."""

    code = "possible_duplicate"
    status = 409
    default_message = _(
        "This patient may already be registered: use the existing record, or register them "
        "as a new patient anyway."
    )

    def __init__(self, candidates: list[DuplicateCandidate]):
        self.candidates = candidates
        super().__init__(details={"candidates": [match.as_details() for match in candidates]})


def _check_phone(phone: str, problems: dict) -> str:
    try:
        return phones.normalise_phone(phone)
    except ValidationError as exc:
        problems["phone"] = list(exc.messages)
        return phone


def _birth_date_from_age(age_years: int, problems: dict) -> date | None:
    """An age in years as an approximate birth date: today, that many years ago."""
    if not 0 <= age_years <= MAX_AGE_YEARS:
        problems["age_years"] = [gettext("Give an age between 0 and %d.") % MAX_AGE_YEARS]
        return None
    today = clock.today()
    try:
        return today.replace(year=today.year - age_years)
    except ValueError:  # 29 February, in a year without one
        return today.replace(year=today.year - age_years, day=28)


def _record_fields(changes: dict, problems: dict) -> dict:
    """Check and normalise a patient record's fields: the phone in E.164, an age as an
    approximate birth date, the language one of the site's."""
    fields = dict(changes)
    if "phone" in fields:
        fields["phone"] = _check_phone(fields["phone"] or "", problems)
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip().lower()
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    age_years = fields.pop("age_years", None)
    if age_years is not None:
        if fields.get("date_of_birth") is not None:
            problems["age_years"] = [gettext("Give a date of birth or an age, not both.")]
        else:
            fields["date_of_birth"] = _birth_date_from_age(age_years, problems)
            fields["date_of_birth_approximate"] = True
    elif "date_of_birth" in fields:
        fields["date_of_birth_approximate"] = False
    born = fields.get("date_of_birth")
    if born is not None and born > clock.today():
        problems["date_of_birth"] = [gettext("Cannot be in the future.")]
    language = fields.get("preferred_language")
    if language and language not in dict(settings.LANGUAGES):
        problems["preferred_language"] = [gettext("Not a language of this site.")]
    reason = fields.get("phone_missing_reason")
    if reason and reason not in PhoneMissing.values:
        problems["phone_missing_reason"] = [gettext("Not a valid reason.")]
    return fields


def _ensure_phone_or_reason(patient: Patient, problems: dict) -> None:
    """A record without a phone says why (not known, or the patient has none)."""
    if patient.phone:
        patient.phone_missing_reason = ""
    elif not patient.phone_missing_reason and "phone" not in problems:
        problems["phone_missing_reason"] = [
            gettext("Without a phone number, say why there is none.")
        ]


def _refuse(problems: dict) -> None:
    if "date_of_birth" in problems and len(problems) == 1:
        raise InvalidRequest(gettext("A date of birth cannot be in the future."), details=problems)
    if problems:
        raise InvalidRequest(gettext("Check the patient's details."), details=problems)


def create_patient(
    *,
    name: str,
    phone: str = "",
    phone_missing_reason: str = "",
    email: str = "",
    date_of_birth: date | None = None,
    age_years: int | None = None,
    sex: str = Sex.UNKNOWN,
    preferred_language: str = "",
    create_anyway: bool = False,
) -> Patient:
    """The front desk registers a patient who has no account.

    Refused with ``PossibleDuplicate`` when the record looks like an existing one (same phone,
    or a similar name born the same year), unless the desk says to create it anyway.
    """
    problems: dict = {}
    fields = _record_fields(
        {
            "name": name,
            "phone": phone,
            "phone_missing_reason": phone_missing_reason,
            "email": email,
            "date_of_birth": date_of_birth,
            "age_years": age_years,
            "sex": sex,
            "preferred_language": preferred_language,
        },
        problems,
    )
    patient = Patient(**fields)
    _ensure_phone_or_reason(patient, problems)
    _refuse(problems)
    if not create_anyway:
        born = patient.date_of_birth
        candidates = likely_duplicates(
            name=patient.name, phone=patient.phone, birth_year=born.year if born else None
        )
        if candidates:
            raise PossibleDuplicate(candidates)
    patient.save()
    return patient


EDITABLE_FIELDS = {
    "name",
    "phone",
    "phone_missing_reason",
    "email",
    "date_of_birth",
    "age_years",
    "sex",
    "preferred_language",
}


def update_patient(*, patient: Patient, **changes) -> Patient:
    """Correct a patient record's name, contact details, birth date or age, sex or language."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidRequest(details={field: ["Cannot be changed."] for field in sorted(unknown)})
    problems: dict = {}
    fields = _record_fields(changes, problems)
    for field, value in fields.items():
        setattr(patient, field, value)
    if {"phone", "phone_missing_reason"} & set(fields):
        _ensure_phone_or_reason(patient, problems)
        fields["phone_missing_reason"] = patient.phone_missing_reason
    _refuse(problems)
    if fields:
        patient.save(update_fields=sorted(fields))
    return patient


def clear_booking_block(*, patient: Patient, actor=None) -> Patient:
    """Staff lift a no-show block; only no-shows after this moment count towards a new one."""
    Patient.objects.filter(pk=patient.pk).update(
        booking_blocked=False, block_cleared_at=clock.now()
    )
    patient.refresh_from_db(fields=["booking_blocked", "block_cleared_at"])
    return patient
