"""The refusals of allocation.md, step 1: who may not request which token, and why."""

from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.models import Patient, Role
from accounts.roles import may_book
from doctors.models import Doctor, DoctorLeave
from opd_site import clock
from scheduling import policy
from scheduling.errors import (
    AlreadyBooked,
    DoctorUnavailable,
    NotEligibleForFollowUp,
    OutsideBookingWindow,
    PatientBlocked,
    PatientMerged,
    SourceNotAllowed,
)
from scheduling.models import (
    DoctorDay,
    Source,
    Token,
    TokenStatus,
)
from scheduling.selectors import existing_place


def ensure_source_allowed(*, actor, source: str) -> None:
    """Patients book advance tokens for themselves; walk-ins and emergencies come from the desk
    (the one permission matrix, ``accounts.roles``). The hospital's own jobs act as nobody."""
    if actor is not None and not may_book(actor, source):
        raise SourceNotAllowed()


def ensure_doctor_available(*, doctor: Doctor, day: date) -> None:
    """Refuse a doctor who takes no appointments, or is on leave on ``day``. A doctor read with
    ``last_leave_ends`` (``selectors.booking_doctor``) whose last leave ended before ``day``
    needs no look at the leave records; any other doctor is checked against them."""
    if not doctor.is_available:
        raise DoctorUnavailable(
            gettext("%(doctor)s is not taking appointments at the moment.") % {"doctor": doctor}
        )
    if not hasattr(doctor, "last_leave_ends") or (
        doctor.last_leave_ends is not None and doctor.last_leave_ends >= day
    ):
        _ensure_not_on_leave(doctor=doctor, day=day)


def _ensure_not_on_leave(*, doctor: Doctor, day: date) -> None:
    if DoctorLeave.objects.filter(doctor=doctor, start_date__lte=day, end_date__gte=day).exists():
        raise DoctorUnavailable(
            gettext("%(doctor)s is on leave on %(day)s.")
            % {"doctor": doctor, "day": date_format(day, "SHORT_DATE_FORMAT")}
        )


def ensure_within_window(*, source: str, day: date) -> None:
    today = clock.today()
    if source in (Source.WALK_IN, Source.EMERGENCY):
        if day != today:
            raise OutsideBookingWindow(
                gettext("%(kind)s tokens are issued for today only.")
                % {"kind": Source(source).label}
            )
        return
    last = today + timedelta(days=policy.booking_window_days())
    if not today <= day <= last:
        raise OutsideBookingWindow(
            gettext("Bookings are open from today up to %(last)s.")
            % {"last": date_format(last, "SHORT_DATE_FORMAT")},
            details={"first": today.isoformat(), "last": last.isoformat()},
        )


def is_follow_up_eligible(*, patient: Patient, doctor: Doctor) -> bool:
    """A completed consultation with the same doctor within the follow-up window."""
    since = clock.now() - timedelta(days=policy.follow_up_days())
    return Token.objects.filter(
        patient=patient,
        doctor_day__doctor=doctor,
        status=TokenStatus.COMPLETED,
        completed_at__gte=since,
    ).exists()


def books_for_themselves(actor) -> bool:
    """A patient's own request (through the API), as opposed to the desk's on their behalf."""
    return getattr(actor, "role", None) == Role.PATIENT


def ensure_patient_may_book(*, patient: Patient, doctor: Doctor, source: str, actor=None) -> None:
    """The no-show block covers online bookings and every source a patient books for
    themselves; the desk still serves a blocked patient (walk-in, paid priority, emergency).
    A record merged into another is booked under the record it was merged into."""
    if patient.merged_into_id is not None:
        raise PatientMerged(details={"merged_into": patient.merged_into_id})
    if patient.booking_blocked and (source == Source.ONLINE or books_for_themselves(actor)):
        raise PatientBlocked()
    if source == Source.FOLLOW_UP and not is_follow_up_eligible(patient=patient, doctor=doctor):
        raise NotEligibleForFollowUp(
            gettext(
                "A follow-up needs a consultation with %(doctor)s completed in the last "
                "%(days)s days."
            )
            % {"doctor": doctor, "days": policy.follow_up_days()},
        )


def ensure_not_already_booked(*, doctor_day: DoctorDay, patient: Patient) -> None:
    """Refuse a second token or waiting entry for the same patient on the same doctor-day."""
    refuse_second_place(existing_place(doctor_day=doctor_day, patient=patient))


def refuse_second_place(place: dict | None) -> None:
    """Refuse a request of a patient who already holds ``place`` on the doctor-day
    (``selectors.existing_place``)."""
    if place is not None:
        raise AlreadyBooked(details=place)
