"""One permission matrix for every door: what the API refuses a role, the admin refuses too.

For each role that can sign in to the admin site (receptionist, administrator), each admin
action is offered exactly when the API lets that role do the same act, and each field of a
doctor's or a patient's page is changeable exactly when the API lets that role change it. The
API's answers come from real requests, with the contract table of
``tests/opd_site/api/test_permission_matrix.py``.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import Patient
from doctors.models import Doctor
from queueing.management.commands.seed import front_desk_group
from scheduling.models import Refund, Slot, Token, WaitingEntry
from tests.fixtures.api import signed_in
from tests.opd_site.api.test_permission_matrix import ADMIN, DESK, TABLE, build_world, user_for

ADMIN_ROLES = (DESK, ADMIN)
CASES = {case.name: case for case in TABLE}

# (model, admin action) -> the API operation doing the same act.
ACTIONS = {
    (Token, "check_in_tokens"): "post tokens/{token}/status",
    (Token, "mark_no_show_tokens"): "post tokens/{token}/status",
    (Token, "requeue_tokens"): "post tokens/{token}/status",
    (Token, "cancel_tokens"): "post tokens/{token}/cancel",
    (Token, "fast_track_tokens"): "post tokens/{token}/fast-track",
    (Slot, "doctor_unavailable_for_slots"): "post slots/{slot}/cancel",
    (Slot, "override_capacity"): "post slots/{slot}/override",
    (Doctor, "record_delay"): "post doctors/{doctor}/delay",
    (Doctor, "record_doctor_leave"): "post doctors/{doctor}/availability",
    (Refund, "refund_approved"): "post refunds/{refund}/status",
    (Refund, "refund_rejected"): "post refunds/{refund}/status",
    (Refund, "refund_paid"): "post refunds/{refund}/status",
    (WaitingEntry, "cancel_waiting_entries"): "post waiting/{waiting}/cancel",
    (Patient, "clear_booking_blocks"): "post patients/{patient}/clear-block",
    (Patient, "merge_two_patients"): "post patients/{patient}/merge",
    (Patient, "book_token_for_patient"): "post tokens",
}
# (model, field) -> the API request changing that field: (method, path, body).
FIELDS = {
    (Doctor, "room"): ("patch", "doctors/{doctor}", {"room": "C-3"}),
    (Doctor, "specialization"): ("patch", "doctors/{doctor}", {"specialization": "Cardiology"}),
    (Doctor, "license_number"): ("patch", "doctors/{doctor}", {"license_number": "MCI-X-9"}),
    (Doctor, "qualifications"): ("patch", "doctors/{doctor}", {"qualifications": "MD"}),
    (Doctor, "experience_years"): ("patch", "doctors/{doctor}", {"experience_years": 9}),
    (Doctor, "is_available"): ("post", "doctors/{doctor}/availability", {"is_available": True}),
    (Patient, "name"): ("patch", "patients/{patient}", {"name": "Renamed Patient"}),
    (Patient, "phone"): ("patch", "patients/{patient}", {"phone": "+919811111112"}),
}


def api_allows(world, role: str, method: str, path: str, body) -> bool:
    """Does the API let ``role`` do this? (Any answer but 401/403 means the role may.)"""
    client = signed_in(user_for(world, role))
    user = user_for(world, role)
    body = body(world, user) if callable(body) else body
    response = getattr(client, method)("/api/v1/" + path.format(**world.names), body, format="json")
    return response.status_code not in (401, 403)


def admin_request(world, role: str):
    user = user_for(world, role)
    if role == DESK:
        user.groups.add(front_desk_group())
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    request = RequestFactory().get("/admin/")
    request.user = type(user).objects.get(pk=user.pk)
    return request


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize(("model", "action"), list(ACTIONS), ids=[a for _, a in ACTIONS])
def test_an_admin_action_is_offered_exactly_when_the_api_allows_the_act(
    db, clock, role, model, action
):
    world = build_world()
    case = CASES[ACTIONS[(model, action)]]

    allowed = api_allows(world, role, case.method, case.path, case.body)
    offered = action in admin.site._registry[model].get_actions(admin_request(world, role))

    assert offered == allowed, f"{role}: admin offers {action}={offered}, API allows={allowed}"


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize(("model", "field"), list(FIELDS), ids=[f for _, f in FIELDS])
def test_a_field_is_changeable_in_the_admin_exactly_when_the_api_lets_the_role_change_it(
    db, clock, role, model, field
):
    world = build_world()
    obj = world.hospital.doctor if model is Doctor else world.hospital.patient
    method, path, body = FIELDS[(model, field)]

    allowed = api_allows(world, role, method, path, body)
    request = admin_request(world, role)
    model_admin = admin.site._registry[model]
    changeable = model_admin.has_change_permission(request, obj) and field not in (
        model_admin.get_readonly_fields(request, obj)
    )

    assert changeable == allowed, f"{role}: admin lets change {field}={changeable}, API={allowed}"


def test_every_admin_action_of_the_engine_is_in_the_matrix(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    offered = {
        (model, name)
        for model in (Token, Slot, Doctor, Refund, WaitingEntry, Patient)
        for name in admin.site._registry[model].get_actions(request)
    }

    assert offered == set(ACTIONS)
