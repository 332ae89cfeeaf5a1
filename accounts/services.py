"""Accounts: patient sign-up, profiles and passwords, and the front desk's patient records."""

from datetime import date

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Patient, Role, Sex, User
from opd_site import clock
from opd_site.errors import InvalidRequest

EMAIL_TAKEN = "An account with this e-mail address already exists."


class WrongPassword(InvalidRequest):
    """The current password given to change it is not the account's: a failed sign-in."""

    default_message = "The current password is wrong."


def normalise_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def ensure_password_acceptable(*, password: str, user: User, field: str = "password") -> None:
    """Django's password validators; their messages become per-field details."""
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidRequest(
            "Choose a stronger password.", details={field: list(exc.messages)}
        ) from exc


def _ensure_email_free(email: str, *, exclude: User | None = None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise InvalidRequest(EMAIL_TAKEN, details={"email": [EMAIL_TAKEN]})


def register_patient(*, name: str, email: str, password: str, phone: str = "") -> User:
    """Create a patient's account and the patient record linked to it, together."""
    email = normalise_email(email)
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
        user.phone = phone
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


def _ensure_birth_date(date_of_birth: date | None) -> None:
    if date_of_birth is not None and date_of_birth > clock.today():
        raise InvalidRequest(
            "A date of birth cannot be in the future.",
            details={"date_of_birth": ["Cannot be in the future."]},
        )


def create_patient(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    date_of_birth: date | None = None,
    sex: str = Sex.UNKNOWN,
) -> Patient:
    """The front desk registers a walk-in patient who has no account."""
    _ensure_birth_date(date_of_birth)
    return Patient.objects.create(
        name=name,
        phone=phone,
        email=email.strip().lower(),
        date_of_birth=date_of_birth,
        sex=sex,
    )


def update_patient(*, patient: Patient, **changes) -> Patient:
    """Correct a patient record's name, contact details, date of birth or sex."""
    allowed = {"name", "phone", "email", "date_of_birth", "sex"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidRequest(details={field: ["Cannot be changed."] for field in sorted(unknown)})
    _ensure_birth_date(changes.get("date_of_birth"))
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    for field, value in changes.items():
        setattr(patient, field, value)
    if changes:
        patient.save(update_fields=sorted(changes))
    return patient


def clear_booking_block(*, patient: Patient, actor=None) -> Patient:
    """Staff lift a no-show block; only no-shows after this moment count towards a new one."""
    Patient.objects.filter(pk=patient.pk).update(
        booking_blocked=False, block_cleared_at=clock.now()
    )
    patient.refresh_from_db(fields=["booking_blocked", "block_cleared_at"])
    return patient
