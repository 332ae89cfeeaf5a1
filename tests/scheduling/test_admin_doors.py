"""The admin site is a door like the API: every change it makes goes through a service.

Leave and availability entered in the admin run the doctor-unavailable flow; a slot's capacity
and reserves change only through the override; the engine's rows are never added or deleted
here; and a walk over every admin page of the engine's models finds no editable field and no
action that skips a service. (A token's "add" page is the booking form, which calls the engine's
booking service: ``tests/scheduling/test_admin_booking.py``.)
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Patient
from accounts.roles import Act, may
from doctors.models import Doctor, DoctorLeave
from scheduling.models import (
    DoctorDay,
    IdempotencyKey,
    Notification,
    Refund,
    Slot,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from tests.fixtures.clinic import Clinic

ENGINE_MODELS = (
    DoctorDay,
    Slot,
    Token,
    TokenEvent,
    WaitingEntry,
    Refund,
    Notification,
    IdempotencyKey,
)
# The only fields any role may type into an admin form of these models, and the act each is
# (the same act the API would check). Everything else is read-only or changes through an action.
CHANGEABLE = {
    Slot: {"consultation_fee": Act.SET_FEES, "priority_fee": Act.SET_FEES},
    Doctor: {
        "specialization": Act.EDIT_DOCTOR,
        "department": Act.EDIT_DOCTOR,
        "license_number": Act.EDIT_DOCTOR,
        "qualifications": Act.EDIT_DOCTOR,
        "experience_years": Act.EDIT_DOCTOR,
        "room": Act.EDIT_DOCTOR,
        "is_available": Act.SET_AVAILABILITY,
    },
    Patient: dict.fromkeys(
        (
            "name",
            "phone",
            "phone_missing_reason",
            "email",
            "date_of_birth",
            "date_of_birth_approximate",
            "sex",
            "preferred_language",
        ),
        Act.EDIT_PATIENT,
    ),
}


def editable_fields(model, user, obj) -> set[str]:
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = user
    if not model_admin.has_change_permission(request, obj):
        return set()
    form = model_admin.get_form(request, obj)
    return set(form.base_fields) - set(model_admin.get_readonly_fields(request, obj))


def offered_actions(model, user) -> dict:
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = user
    return model_admin.get_actions(request)


@pytest.fixture
def busy_clinic(clock):
    """Today's clinic with three walk-ins booked (two at 09:00, one at 10:00)."""
    clinic = Clinic(capacity=2)
    for _ in range(3):
        clinic.book()
    return clinic


def test_leave_added_in_the_admin_moves_todays_patients_and_says_so(client, admin_user, clock):
    clinic = Clinic(capacity=2)
    booked = [clinic.book() for _ in range(3)]
    client.force_login(admin_user)

    page = client.post(
        reverse("admin:doctors_doctorleave_add"),
        {
            "doctor": clinic.doctor.pk,
            "start_date": clock.at.date().isoformat(),
            "end_date": clock.at.date().isoformat(),
            "reason": "Conference",
        },
        follow=True,
    )

    assert page.status_code == 200
    assert DoctorLeave.objects.filter(doctor=clinic.doctor).count() == 1
    for token in booked:
        token.refresh_from_db()
        assert token.status == TokenStatus.CANCELLED
    messages = [str(message) for message in page.context["messages"]]
    assert any("on leave" in text and "cancelled and waitlisted" in text for text in messages)


def test_leave_added_through_the_doctors_page_runs_the_same_flow(client, admin_user, clock):
    clinic = Clinic(capacity=2)
    token = clinic.book()
    client.force_login(admin_user)
    url = reverse("admin:doctors_doctor_change", args=[clinic.doctor.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value for name, value in form.initial.items() if value is not None and name != "user"
    }
    data.update(
        {
            "department": clinic.doctor.department_id,
            "schedules-TOTAL_FORMS": 0,
            "schedules-INITIAL_FORMS": 0,
            "leaves-TOTAL_FORMS": 1,
            "leaves-INITIAL_FORMS": 0,
            "leaves-0-start_date": clock.at.date().isoformat(),
            "leaves-0-end_date": (clock.at.date() + timedelta(days=1)).isoformat(),
            "leaves-0-reason": "Unwell",
        }
    )

    client.post(url, data, follow=True)

    token.refresh_from_db()
    assert token.status == TokenStatus.CANCELLED
    assert DoctorLeave.objects.get(doctor=clinic.doctor).created_by == admin_user


def test_unticking_available_in_the_admin_runs_the_unavailable_flow(client, admin_user, clock):
    clinic = Clinic(capacity=2)
    token = clinic.book()
    client.force_login(admin_user)
    url = reverse("admin:doctors_doctor_change", args=[clinic.doctor.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value for name, value in form.initial.items() if value is not None and name != "user"
    }
    data.pop("is_available")
    data.update(
        {
            "department": clinic.doctor.department_id,
            "schedules-TOTAL_FORMS": 0,
            "schedules-INITIAL_FORMS": 0,
            "leaves-TOTAL_FORMS": 0,
            "leaves-INITIAL_FORMS": 0,
        }
    )

    page = client.post(url, data, follow=True)

    clinic.doctor.refresh_from_db()
    token.refresh_from_db()
    assert clinic.doctor.is_available is False
    assert token.status == TokenStatus.CANCELLED
    assert any("unavailable today" in str(message) for message in page.context["messages"])


def test_leave_with_its_end_before_its_start_is_refused_in_the_form(client, admin_user, clock):
    clinic = Clinic()
    client.force_login(admin_user)
    day = clock.at.date()

    page = client.post(
        reverse("admin:doctors_doctorleave_add"),
        {
            "doctor": clinic.doctor.pk,
            "start_date": (day + timedelta(days=2)).isoformat(),
            "end_date": day.isoformat(),
        },
    )

    assert page.status_code == 200
    assert "Leave must end on or after its first day." in page.content.decode()
    assert not DoctorLeave.objects.exists()


def test_recorded_leave_cannot_be_edited_or_deleted_in_the_admin(client, admin_user, clock):
    clinic = Clinic()
    client.force_login(admin_user)
    client.post(
        reverse("admin:doctors_doctorleave_add"),
        {
            "doctor": clinic.doctor.pk,
            "start_date": clock.at.date().isoformat(),
            "end_date": clock.at.date().isoformat(),
        },
    )
    leave = DoctorLeave.objects.get()

    delete = client.post(reverse("admin:doctors_doctorleave_delete", args=[leave.pk]), {"post": 1})

    assert delete.status_code == 403
    assert editable_fields(DoctorLeave, admin_user, leave) == set()


def test_engine_rows_are_never_deleted_in_the_admin(client, admin_user, busy_clinic):
    token = Token.objects.first()
    client.force_login(admin_user)

    response = client.post(reverse("admin:scheduling_token_delete", args=[token.pk]), {"post": 1})

    assert response.status_code == 403
    assert Token.objects.filter(pk=token.pk).exists()
    for model in ENGINE_MODELS:
        assert "delete_selected" not in offered_actions(model, admin_user)


def test_capacity_and_reserves_are_read_only_on_the_slot_page(admin_user, receptionist, clock):
    slot = Clinic().slots[0]

    for user in (admin_user, receptionist):
        fields = editable_fields(Slot, user, slot)
        assert not fields & {"capacity", "emergency_reserve", "walk_in_reserve", "status"}


@pytest.mark.parametrize("role", ["admin", "receptionist"])
def test_every_engine_admin_page_changes_only_through_services(
    role, admin_user, receptionist, busy_clinic
):
    """Every field a role can type is in CHANGEABLE under an act the role may do; every action
    names the act (and so the service) it performs."""
    user = admin_user if role == "admin" else receptionist
    rows = {
        Slot: busy_clinic.slots[0],
        Token: Token.objects.first(),
        DoctorDay: busy_clinic.doctor_day,
        Doctor: busy_clinic.doctor,
        Patient: Patient.objects.first(),
    }
    for model in (*ENGINE_MODELS, Doctor, DoctorLeave, Patient):
        model_admin = admin.site._registry[model]
        obj = rows.get(model)
        fields = editable_fields(model, user, obj) if obj is not None else set()
        allowed = CHANGEABLE.get(model, {})
        for name in fields:
            assert name in allowed, f"{model.__name__}.{name} is editable by {role}"
        for name in fields:
            assert may(user, allowed[name]), f"{role} may change {name} but may not {allowed[name]}"
        for name, (action, *_rest) in offered_actions(model, user).items():
            assert hasattr(action, "act"), f"{model.__name__} action {name} names no act"
        if model in ENGINE_MODELS and model is not Token:
            request = RequestFactory().get("/admin/")
            request.user = user
            assert not model_admin.has_add_permission(request)


def test_a_receptionist_posting_the_override_action_changes_no_capacity(
    client, receptionist, clock
):
    slot = Clinic().slots[0]
    client.force_login(receptionist)

    client.post(
        reverse("admin:scheduling_slot_changelist"),
        {
            "action": "override_capacity",
            "_selected_action": [slot.pk],
            "apply": "Apply",
            "capacity": 40,
        },
        follow=True,
    )

    slot.refresh_from_db()
    assert slot.capacity == 4
