"""Who may do what, through every door: the one permission matrix.

The REST API's role checks and the admin site (the actions it offers a role, the fields it lets a
role change) both ask ``may(user, act)``, so a role may do through one door only what it may do
through all. This table is about roles; whose object it is (a patient's own token, a doctor's own
day) is checked where the object is found.
"""

# ruff: noqa: S105 - the values below name acts; they are not secrets

from enum import StrEnum

from accounts.models import Role


class Act(StrEnum):
    """Everything a person can ask the hospital's system to do, by name."""

    CHECK_IN = "check_in"
    CALL = "call"
    REQUEUE = "requeue"
    COMPLETE = "complete"
    MARK_NO_SHOW = "mark_no_show"
    CANCEL_TOKEN = "cancel_token"
    FAST_TRACK = "fast_track"
    REQUEST_REFUND = "request_refund"
    DECIDE_REFUND = "decide_refund"
    TAKE_PAYMENT = "take_payment"
    WAIVE_FEE = "waive_fee"
    READ_ALL_COLLECTIONS = "read_all_collections"
    CANCEL_SLOT = "cancel_slot"
    OVERRIDE_CAPACITY = "override_capacity"
    SET_FEES = "set_fees"
    RECORD_DELAY = "record_delay"
    SET_AVAILABILITY = "set_availability"
    RECORD_LEAVE = "record_leave"
    CANCEL_WAITING = "cancel_waiting"
    CLEAR_BOOKING_BLOCK = "clear_booking_block"
    EDIT_PATIENT = "edit_patient"
    LINK_PATIENT_ACCOUNT = "link_patient_account"
    REGISTER_DOCTOR = "register_doctor"
    EDIT_DOCTOR = "edit_doctor"


PATIENT, DOCTOR = Role.PATIENT, Role.DOCTOR
RECEPTIONIST, ADMIN = Role.RECEPTIONIST, Role.ADMIN
STAFF = frozenset({RECEPTIONIST, ADMIN})

# Roles that may do each act (api.md's "who" column). A doctor acts on their own day only, a
# patient on their own tokens and entries only: the views check whose object it is.
RULES: dict[Act, frozenset[Role]] = {
    Act.CHECK_IN: STAFF | {DOCTOR},
    Act.CALL: STAFF | {DOCTOR},
    Act.REQUEUE: STAFF | {DOCTOR},
    Act.COMPLETE: STAFF | {DOCTOR},
    Act.MARK_NO_SHOW: STAFF | {DOCTOR},
    Act.CANCEL_TOKEN: STAFF | {PATIENT},
    Act.FAST_TRACK: STAFF,
    Act.REQUEST_REFUND: STAFF | {PATIENT},
    Act.DECIDE_REFUND: frozenset({ADMIN}),
    Act.TAKE_PAYMENT: STAFF,
    Act.WAIVE_FEE: frozenset({ADMIN}),
    # Staff read their own day's collection; an administrator reads every desk user's.
    Act.READ_ALL_COLLECTIONS: frozenset({ADMIN}),
    Act.CANCEL_SLOT: STAFF,
    Act.OVERRIDE_CAPACITY: frozenset({ADMIN}),
    Act.SET_FEES: frozenset({ADMIN}),
    Act.RECORD_DELAY: STAFF | {DOCTOR},
    Act.SET_AVAILABILITY: STAFF | {DOCTOR},
    Act.RECORD_LEAVE: STAFF,
    Act.CANCEL_WAITING: STAFF | {PATIENT},
    Act.CLEAR_BOOKING_BLOCK: STAFF,
    Act.EDIT_PATIENT: STAFF,
    # No door re-links a patient record to another account: the API offers it to nobody.
    Act.LINK_PATIENT_ACCOUNT: frozenset(),
    Act.REGISTER_DOCTOR: frozenset({ADMIN}),
    Act.EDIT_DOCTOR: frozenset({ADMIN, DOCTOR}),
}


def may(user, act: Act) -> bool:
    """May this signed-in user's role do ``act`` (on an object it may reach)?"""
    return bool(
        user is not None and user.is_authenticated and getattr(user, "role", None) in RULES[act]
    )
