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
    PROMOTE_WAITING = "promote_waiting"
    CLEAR_BOOKING_BLOCK = "clear_booking_block"
    EDIT_PATIENT = "edit_patient"
    MERGE_PATIENTS = "merge_patients"
    LINK_PATIENT_ACCOUNT = "link_patient_account"
    REGISTER_DOCTOR = "register_doctor"
    EDIT_DOCTOR = "edit_doctor"
    # Requesting a token for any patient record (the desk), and each source it may carry.
    BOOK_FOR_ANY_PATIENT = "book_for_any_patient"
    BOOK_ONLINE = "book_online"
    BOOK_PRIORITY = "book_priority"
    BOOK_FOLLOW_UP = "book_follow_up"
    BOOK_WALK_IN = "book_walk_in"
    BOOK_EMERGENCY = "book_emergency"


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
    # Seating a waiting entry now, by the rules automatic promotion follows.
    Act.PROMOTE_WAITING: STAFF,
    Act.CLEAR_BOOKING_BLOCK: STAFF,
    Act.EDIT_PATIENT: STAFF,
    # Two records of one person become one: the duplicate's tokens move to the kept record.
    Act.MERGE_PATIENTS: STAFF,
    # No door re-links a patient record to another account: the API offers it to nobody.
    Act.LINK_PATIENT_ACCOUNT: frozenset(),
    Act.REGISTER_DOCTOR: frozenset({ADMIN}),
    Act.EDIT_DOCTOR: frozenset({ADMIN, DOCTOR}),
    # Patients book advance tokens for themselves; the desk books any source for anyone.
    Act.BOOK_FOR_ANY_PATIENT: STAFF,
    Act.BOOK_ONLINE: STAFF | {PATIENT},
    Act.BOOK_PRIORITY: STAFF | {PATIENT},
    Act.BOOK_FOLLOW_UP: STAFF | {PATIENT},
    Act.BOOK_WALK_IN: STAFF,
    Act.BOOK_EMERGENCY: STAFF,
}


# The act each source of token is (by the source's stored value: accounts sits below the
# scheduling models that define the sources).
BOOKING_ACTS: dict[str, Act] = {
    "online": Act.BOOK_ONLINE,
    "walk_in": Act.BOOK_WALK_IN,
    "priority": Act.BOOK_PRIORITY,
    "follow_up": Act.BOOK_FOLLOW_UP,
    "emergency": Act.BOOK_EMERGENCY,
}


def may_book(user, source: str | None = None) -> bool:
    """May this user book a token of ``source`` (or of any source, when None)?"""
    if source is None:
        return any(may(user, act) for act in BOOKING_ACTS.values())
    act = BOOKING_ACTS.get(source)
    return act is not None and may(user, act)


def may(user, act: Act) -> bool:
    """May this signed-in user's role do ``act`` (on an object it may reach)?"""
    return bool(
        user is not None and user.is_authenticated and getattr(user, "role", None) in RULES[act]
    )
