"""The allocation engine's domain errors (``opd_site.errors.DomainError`` is their base).

The API's exception handler turns them into the contract's error shape. A full slot is not an
error (the engine moves the request or waitlists it).
"""

from django.utils.translation import gettext_lazy as _

from opd_site.errors import DomainError


class DoctorUnavailable(DomainError):
    code = "doctor_unavailable"
    default_message = _("The doctor is not available on that date.")


class DoctorNotWorking(DomainError):
    code = "doctor_not_working"
    default_message = _("The doctor has no open slots on that date.")


class OutsideBookingWindow(DomainError):
    code = "outside_booking_window"
    status = 400
    default_message = _("That date is outside the booking window.")


class SlotNotBookable(DomainError):
    code = "slot_not_bookable"
    status = 400
    default_message = _("That slot cannot be booked.")


class AlreadyBooked(DomainError):
    code = "already_booked"
    default_message = _(
        "The patient already holds a token or waiting entry for this doctor and date."
    )


class PatientBlocked(DomainError):
    code = "patient_blocked"
    status = 403
    default_message = _(
        "Online booking is blocked after repeated no-shows; please book at the OPD desk."
    )


class PatientMerged(DomainError):
    code = "patient_merged"
    status = 409
    default_message = _(
        "This patient record was merged into another; book under the record it was merged into."
    )


class MergeRefused(DomainError):
    code = "merge_refused"
    default_message = _("These two records cannot be merged.")


class MergeNotAllowed(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("Only the front desk merges patient records.")


class SourceNotAllowed(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("Walk-in and emergency tokens are issued by the front desk.")


class NotEligibleForFollowUp(DomainError):
    code = "not_eligible_for_follow_up"
    status = 400
    default_message = _(
        "A follow-up needs a completed consultation with this doctor in the last days."
    )


class IllegalTransition(DomainError):
    code = "illegal_transition"
    default_message = _("That status change is not allowed.")


class CancellationNotAllowed(DomainError):
    code = "cancellation_not_allowed"
    default_message = _("This token can no longer be cancelled.")


class RefundNotEligible(DomainError):
    code = "refund_not_eligible"
    default_message = _("This token is not eligible for a refund.")


class QueueEmpty(DomainError):
    code = "queue_empty"
    default_message = _("No checked-in patient is waiting.")


class CapacityBelowOccupancy(DomainError):
    code = "capacity_below_occupancy"
    default_message = _("The new capacity is below the seats already taken.")


class WaitingEntryClosed(DomainError):
    code = "waiting_entry_closed"
    default_message = _("This waiting entry is no longer waiting.")


class NoSeatFree(DomainError):
    code = "no_seat_free"
    default_message = _("No seat this waiting entry may take is free now.")


class LockTimeout(DomainError):
    code = "busy"
    status = 503
    default_message = _("The doctor's schedule is busy; please retry in a moment.")
    retry_after = 1


class ConsultationInProgress(DomainError):
    code = "consultation_in_progress"
    default_message = _(
        "The doctor has a patient in consultation: complete, requeue or mark that one first."
    )


class TooEarlyForNoShow(DomainError):
    code = "too_early_for_no_show"
    default_message = _("A booked patient becomes a no-show only after the slot's grace period.")


class PaymentRequired(DomainError):
    code = "payment_required"
    status = 402
    default_message = _("Priority tokens are sold at the OPD desk, where the fee is taken.")


class NothingOwed(DomainError):
    code = "nothing_owed"
    default_message = _("Nothing is owed for this token.")


class AmountNotOwed(DomainError):
    code = "amount_not_owed"
    status = 400
    default_message = _("The amount is not what is owed for this token.")


class PaymentNotAllowed(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("Only the front desk takes payments.")


class WaiverNotAllowed(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("Only an administrator may waive a fee.")


class RefundDecisionNotAllowed(DomainError):
    code = "refund_needs_admin"
    status = 403
    default_message = _("Approving, rejecting and paying refunds is an administrator's act.")


class RefundRequesterCannotDecide(DomainError):
    code = "refund_own_request"
    status = 403
    default_message = _("A refund is decided by someone other than the person who requested it.")
