"""Front-desk pages: each view parses input, calls one service or selector, and renders.

Receptionists and administrators ("front desk") use every page here; doctors use only the
console, and only for their own day.
"""

from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Patient, Role
from accounts.services import create_patient
from doctors.models import Doctor
from queueing.selectors import queue_for, queue_item_for, with_positions
from scheduling import clock, overview
from scheduling.desk.forms import (
    DESK_SOURCES,
    CancelTokenForm,
    ConsoleDoctorForm,
    IssueTokenForm,
    PatientForm,
    PatientSearchForm,
)
from scheduling.errors import DomainError
from scheduling.models import Source, Token, TokenStatus
from scheduling.selectors import token_history, visible_tokens
from scheduling.services import cancellation, emergency, lifecycle
from scheduling.services.allocation import request_token


def front_desk_required(view):
    """Signed-in receptionists and administrators only; others are refused (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_front_desk:
            raise PermissionDenied("The front desk is for receptionists and administrators.")
        return view(request, *args, **kwargs)

    return wrapped


def console_required(view):
    """Doctors (their own day) and the front desk (any doctor)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_front_desk or request.user.role == Role.DOCTOR):
            raise PermissionDenied("The console is for doctors and the front desk.")
        return view(request, *args, **kwargs)

    return wrapped


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if self.request.user.role == Role.DOCTOR:
            return reverse("desk:console")
        return super().get_default_redirect_url()


def status_url(token: Token) -> str:
    """The public status page's absolute address, printed on the slip as a QR code."""
    return settings.SITE_URL.rstrip("/") + reverse("board:status", args=[token.reference])


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (the slip test re-generates it the same way)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def _desk_token(request: HttpRequest, reference: str) -> Token:
    return get_object_or_404(visible_tokens(request.user), reference=reference)


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


@require_GET
@front_desk_required
def desk_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/overview.html",
        {
            "departments": overview.day_overview(),
            "search_form": PatientSearchForm(),
            "today": clock.today(),
            "now": clock.now(),
        },
    )


@require_GET
@front_desk_required
def patient_search(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    digits = "".join(ch for ch in query if ch.isdigit() or ch == "+")
    initial = {"phone": digits} if len(digits) >= 4 else {"name": query}
    return render(
        request,
        "desk/patient_search.html",
        {
            "search_form": form,
            "query": query,
            "patients": overview.find_patients(query),
            "patient_form": PatientForm(initial=initial if query else None),
        },
    )


@require_POST
@front_desk_required
def patient_register(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST)
    if form.is_valid():
        try:
            patient = create_patient(**form.cleaned_data)
        except DomainError as error:
            _report(request, error)
            for field, problems in error.details.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, f"Registered {patient.name} as {patient.mrn}.")
            return redirect("desk:patient", pk=patient.pk)
    context = {
        "search_form": PatientSearchForm(),
        "patient_form": form,
        "patients": [],
        "query": "",
    }
    return render(request, "desk/patient_search.html", context, status=400)


@require_GET
@front_desk_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk)
    return render(
        request,
        "desk/patient.html",
        {
            "patient": patient,
            "tokens": overview.patient_tokens(patient=patient),
            "waiting": with_positions(overview.patient_waiting(patient=patient)),
            "departments": overview.day_overview(),
            "sources": DESK_SOURCES,
            "today": clock.today(),
        },
    )


@front_desk_required
def issue_token(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirm page for one doctor and source. POST: issue the token for today."""
    patient = get_object_or_404(Patient, pk=pk)
    form = IssueTokenForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Choose a doctor and a kind of token.")
        return redirect("desk:patient", pk=patient.pk)
    doctor, source = form.cleaned_data["doctor"], Source(form.cleaned_data["source"])
    if request.method != "POST":
        return render(
            request,
            "desk/issue_confirm.html",
            {"patient": patient, "doctor": doctor, "source": source, "form": form},
        )
    try:
        allocation = request_token(
            doctor=doctor,
            day=clock.today(),
            source=source,
            patient=patient,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except DomainError as error:
        _report(request, error)
        return redirect("desk:patient", pk=patient.pk)
    if allocation.token is None:
        messages.warning(request, f"{allocation.message} Nobody is seated yet.")
        return redirect("desk:patient", pk=patient.pk)
    messages.success(
        request, f"Token {allocation.token.display_number} issued. {allocation.message}"
    )
    return redirect("desk:slip", reference=allocation.token.reference)


@require_GET
@front_desk_required
def token_detail(request: HttpRequest, reference: str) -> HttpResponse:
    token = _desk_token(request, reference)
    return render(
        request,
        "desk/token.html",
        {
            "token": token,
            "history": token_history(token),
            "queue_item": queue_item_for(token),
            "allowed": lifecycle.ALLOWED[TokenStatus(token.status)],
            "cancel_check": cancellation.cancellation_check(token=token, actor=request.user),
            "cancel_form": CancelTokenForm(),
            "statuses": TokenStatus,
            "status_url": status_url(token),
        },
    )


def _perform(request: HttpRequest, action: tuple, token: Token) -> None:
    """Run a token action's service as the signed-in user; say what happened, or why not."""
    service, done = action
    try:
        service(token=token, actor=request.user)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, done.format(number=token.display_number))


DESK_ACTIONS = {
    "check-in": (lifecycle.check_in, "{number} checked in."),
    "fast-track": (emergency.fast_track, "{number} fast-tracked to emergency priority."),
    "no-show": (lifecycle.mark_no_show, "{number} marked as a no-show."),
}


@require_POST
@front_desk_required
def token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Check in, fast-track or mark a no-show from the token page."""
    if action not in DESK_ACTIONS:
        raise Http404("Unknown action")
    token = _desk_token(request, reference)
    _perform(request, DESK_ACTIONS[action], token)
    return redirect("desk:token", reference=token.reference)


@require_POST
@front_desk_required
def token_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    token = _desk_token(request, reference)
    form = CancelTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for cancelling.")
        return redirect("desk:token", reference=token.reference)
    try:
        cancellation.cancel_token(
            token=token, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(
            request, f"{token.display_number} cancelled; its seat went to the waiting list."
        )
    return redirect("desk:token", reference=token.reference)


@require_GET
@front_desk_required
def token_slip(request: HttpRequest, reference: str) -> HttpResponse:
    token = _desk_token(request, reference)
    url = status_url(token)
    return render(
        request,
        "desk/slip.html",
        {
            "token": token,
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
        stats=overview.console_stats(doctor=doctor),
    )
    return context


def console_buttons(token: Token) -> list[tuple[str, str]]:
    """The console's buttons for a row: the lifecycle moves its status allows."""
    allowed = lifecycle.ALLOWED[TokenStatus(token.status)]
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
        token = lifecycle.call_next(doctor=doctor, actor=request.user)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, f"Calling {token.display_number} ({token.patient.name}).")
    return _back_to_console(doctor, request)


CONSOLE_ACTIONS = {
    "call": (lifecycle.call_token, "Calling {number}."),
    "complete": (lifecycle.complete, "{number} completed."),
    "requeue": (lifecycle.requeue, "{number} is back in the queue."),
    "no-show": (lifecycle.mark_no_show, "{number} marked as a no-show."),
}


@require_POST
@console_required
def console_token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    if action not in CONSOLE_ACTIONS:
        raise Http404("Unknown action")
    token = get_object_or_404(visible_tokens(request.user), reference=reference)
    _perform(request, CONSOLE_ACTIONS[action], token)
    return _back_to_console(token.doctor_day.doctor, request)
