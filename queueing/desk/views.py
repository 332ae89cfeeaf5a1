"""Serving screens of the desk: the day's overview, a token's page and slip, and the doctor's
console.

Each view parses input, calls one service or selector, and renders. Receptionists and
administrators ("front desk") use every page here; doctors use only the console, and only for
their own day.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Patient, Role
from accounts.roles import Act, may
from doctors.models import Doctor
from opd_site import clock
from queueing.selectors import console_stats
from queueing.services import call_next, call_token, check_in, complete, requeue
from scheduling.desk.access import (
    console_required,
    desk_token,
    front_desk_required,
    perform,
    report_refusal,
)
from scheduling.desk.forms import (
    CancelTokenForm,
    ConsoleDoctorForm,
    PatientSearchForm,
    TakePaymentForm,
    WaiveFeeForm,
)
from scheduling.errors import DomainError
from scheduling.models import Token, TokenStatus
from scheduling.selectors import (
    day_overview,
    queue_for,
    queue_item_for,
    token_history,
    visible_tokens,
)
from scheduling.services import cancellation
from scheduling.services.emergencies import fast_track
from scheduling.services.no_show import mark_no_show
from scheduling.services.payments import payment_summary
from scheduling.services.statuses import ALLOWED


def status_url(token: Token) -> str:
    """The public status page's absolute address, printed on the slip as a QR code."""
    return settings.SITE_URL.rstrip("/") + reverse("board:status", args=[token.reference])


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (the slip test re-generates it the same way)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


@require_GET
@front_desk_required
def desk_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/overview.html",
        {
            "departments": day_overview(),
            "search_form": PatientSearchForm(),
            "today": clock.today(),
            "now": clock.now(),
        },
    )


@require_GET
@front_desk_required
def token_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A token: where it is and why, what is owed (with the form that takes it), its actions."""
    token = desk_token(request, reference)
    payment = payment_summary(token)
    return render(
        request,
        "desk/token.html",
        {
            "token": token,
            "payment": payment,
            "payment_form": TakePaymentForm(initial={"amount": payment.owed}),
            "waive_form": WaiveFeeForm(),
            "may_waive": may(request.user, Act.WAIVE_FEE),
            "history": token_history(token),
            "queue_item": queue_item_for(token),
            "allowed": ALLOWED[TokenStatus(token.status)],
            "cancel_check": cancellation.cancellation_check(token=token, actor=request.user),
            "cancel_form": CancelTokenForm(),
            "statuses": TokenStatus,
            "status_url": status_url(token),
        },
    )


DESK_ACTIONS = {
    "check-in": (check_in, "{number} checked in."),
    "fast-track": (fast_track, "{number} fast-tracked to emergency priority."),
    "no-show": (mark_no_show, "{number} marked as a no-show."),
}


@require_POST
@front_desk_required
def token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Check in, fast-track or mark a no-show from the token page."""
    if action not in DESK_ACTIONS:
        raise Http404("Unknown action")
    token = desk_token(request, reference)
    perform(request, DESK_ACTIONS[action], token)
    return redirect("desk:token", reference=token.reference)


@require_GET
@front_desk_required
def token_slip(request: HttpRequest, reference: str) -> HttpResponse:
    token = desk_token(request, reference)
    url = status_url(token)
    return render(
        request,
        "desk/slip.html",
        {
            "token": token,
            "payment": payment_summary(token),
            "queue_item": queue_item_for(token),
            "status_url": url,
            "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308 - segno's own SVG markup
            "paper": "a6" if request.GET.get("paper") == "a6" else "roll",
        },
    )


def _console_doctor(request: HttpRequest, raw_id: str | None) -> Doctor | None:
    """A doctor acts for themself; the front desk picks a doctor (None until picked)."""
    if request.user.role == Role.DOCTOR:
        doctor = (
            Doctor.objects.select_related("user", "department").filter(user=request.user).first()
        )
        if doctor is None:
            raise PermissionDenied("This account has no doctor profile.")
        return doctor
    if not raw_id:
        return None
    form = ConsoleDoctorForm({"doctor": raw_id})
    if not form.is_valid():
        raise Http404("Unknown doctor")
    return form.cleaned_data["doctor"]


def _console_context(request: HttpRequest, doctor: Doctor | None) -> dict:
    context = {"doctor": doctor, "now": clock.now()}
    if doctor is None:
        context["doctors"] = Doctor.objects.select_related("user", "department").order_by(
            "department__name", "user__name"
        )
        return context
    queue = queue_for(doctor=doctor)
    patients = Patient.objects.in_bulk({item.token.patient_id for item in queue})
    for item in queue:
        item.token.patient = patients[item.token.patient_id]
    context.update(
        rows=[(item, console_buttons(item.token)) for item in queue],
        stats=console_stats(doctor=doctor),
    )
    return context


def console_buttons(token: Token) -> list[tuple[str, str]]:
    """The console's buttons for a row: the lifecycle moves its status allows."""
    allowed = ALLOWED[TokenStatus(token.status)]
    buttons = []
    if TokenStatus.IN_CONSULTATION in allowed:
        buttons.append(("call", "Call in"))
    if TokenStatus.COMPLETED in allowed:
        buttons.append(("complete", "Complete"))
    if token.status == TokenStatus.IN_CONSULTATION and TokenStatus.CHECKED_IN in allowed:
        buttons.append(("requeue", "Requeue"))
    if TokenStatus.NO_SHOW in allowed:
        buttons.append(("no-show", "No-show"))
    return buttons


@require_GET
@console_required
def doctor_console(request: HttpRequest) -> HttpResponse:
    doctor = _console_doctor(request, request.GET.get("doctor"))
    return render(request, "desk/console.html", _console_context(request, doctor))


@require_GET
@console_required
def doctor_console_queue(request: HttpRequest) -> HttpResponse:
    """The console's queue alone, for htmx to refresh in place."""
    doctor = _console_doctor(request, request.GET.get("doctor"))
    if doctor is None:
        raise Http404("Pick a doctor")
    return render(request, "desk/partials/console_queue.html", _console_context(request, doctor))


def _back_to_console(doctor: Doctor, request: HttpRequest) -> HttpResponse:
    url = reverse("desk:console")
    if request.user.role != Role.DOCTOR:
        url += f"?doctor={doctor.pk}"
    return redirect(url)


@require_POST
@console_required
def console_call_next(request: HttpRequest) -> HttpResponse:
    doctor = _console_doctor(request, request.POST.get("doctor"))
    if doctor is None:
        raise Http404("Pick a doctor")
    try:
        token = call_next(doctor=doctor, actor=request.user)
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(request, f"Calling {token.display_number} ({token.patient.name}).")
    return _back_to_console(doctor, request)


CONSOLE_ACTIONS = {
    "call": (call_token, "Calling {number}."),
    "complete": (complete, "{number} completed."),
    "requeue": (requeue, "{number} is back in the queue."),
    "no-show": (mark_no_show, "{number} marked as a no-show."),
}


@require_POST
@console_required
def console_token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    if action not in CONSOLE_ACTIONS:
        raise Http404("Unknown action")
    token = get_object_or_404(visible_tokens(request.user), reference=reference)
    perform(request, CONSOLE_ACTIONS[action], token)
    return _back_to_console(token.doctor_day.doctor, request)
