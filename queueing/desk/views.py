"""Serving screens of the desk: the day's overview, a token's page and slip, and the doctor's
console.

Each view parses input, calls one service or selector, and renders. Receptionists and
administrators ("front desk") use every page here; doctors use only the console, and only for
their own day. The site's root leads each person to their own start page (``home``).
"""

from datetime import date

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Patient, Role
from accounts.roles import Act, may
from doctors.models import Doctor
from opd_site import clock
from opd_site.site import absolute_url
from queueing.desk.forms import RunningLateForm, SlipPrintedForm
from queueing.selectors import console_day, console_stats, overview_cards
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
    queue_for,
    queue_item_for,
    token_history,
    visible_tokens,
)
from scheduling.services import cancellation
from scheduling.services.delay import set_delay
from scheduling.services.emergencies import fast_track
from scheduling.services.no_show import mark_no_show
from scheduling.services.payments import payment_summary
from scheduling.services.slips import record_slip_printed
from scheduling.services.statuses import ALLOWED

SLIP_PAPERS = {"80mm": "80mm", "roll": "80mm", "a6": "a6"}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The site's root: doctors to their console, the front desk to the day's overview."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("desk:home"))
    if request.user.role == Role.DOCTOR:
        return redirect("desk:console")
    return redirect("desk:overview")


def status_url(token: Token, request: HttpRequest | None = None) -> str:
    """The public status page's absolute address, printed on the slip as a QR code: on
    ``SITE_URL``, or when that is empty on the address the desk reached the site by."""
    return absolute_url(reverse("board:status", args=[token.reference]), request)


def age_on(born: date | None, day: date) -> tuple[int, str] | None:
    """Age at ``day`` as (number, "years" | "months"): months below one year, else None."""
    if born is None or born > day:
        return None
    months = (day.year - born.year) * 12 + day.month - born.month - (day.day < born.day)
    return (months, "months") if months < 12 else (months // 12, "years")


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
            "cards": overview_cards(),
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
            "status_url": status_url(token, request),
        },
    )


DESK_ACTIONS = {
    "check-in": (check_in, gettext_lazy("{number} checked in.")),
    "fast-track": (fast_track, gettext_lazy("{number} fast-tracked to emergency priority.")),
    "no-show": (mark_no_show, gettext_lazy("{number} marked as a no-show.")),
}


@require_POST
@front_desk_required
def token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Check in, fast-track or mark a no-show from the token page."""
    if action not in DESK_ACTIONS:
        raise Http404(_("Unknown action"))
    token = desk_token(request, reference)
    perform(request, DESK_ACTIONS[action], token)
    return redirect("desk:token", reference=token.reference)


def slip_paper(request: HttpRequest) -> str:
    """The paper asked for by ``?paper=`` (80mm, roll or a6), else ``settings.SLIP_PAPER``."""
    return SLIP_PAPERS.get(request.GET.get("paper", "").lower(), settings.SLIP_PAPER)


@require_GET
@front_desk_required
def token_slip(request: HttpRequest, reference: str) -> HttpResponse:
    """The printable slip; ``?print=1`` opens the print dialog once the page has loaded."""
    token = desk_token(request, reference)
    url = status_url(token, request)
    return render(
        request,
        "desk/slip.html",
        {
            "token": token,
            "age": age_on(token.patient.date_of_birth, timezone.localdate(token.slot.start)),
            "payment": payment_summary(token),
            "queue_item": queue_item_for(token),
            "status_url": url,
            "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308 - segno's own SVG markup
            "paper": slip_paper(request),
            "auto_print": request.GET.get("print") == "1",
            "hospital_name": settings.HOSPITAL_NAME,
            "hospital_address": settings.HOSPITAL_ADDRESS,
        },
    )


@require_POST
@front_desk_required
def slip_printed(request: HttpRequest, reference: str) -> HttpResponse:
    """The slip page says it was printed (its print button, or ``?print=1``): the slip is
    current again, unless the token moved or the delay changed since the page was drawn."""
    token = desk_token(request, reference)
    form = SlipPrintedForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    record_slip_printed(
        token=token,
        actor=request.user,
        slot_id=form.cleaned_data["slot"],
        delay_minutes=form.cleaned_data["delay"],
    )
    return HttpResponse(status=204)


def _console_doctor(request: HttpRequest, raw_id: str | None) -> Doctor | None:
    """A doctor acts for themself; the front desk picks a doctor (None until picked)."""
    if request.user.role == Role.DOCTOR:
        doctor = (
            Doctor.objects.select_related("user", "department").filter(user=request.user).first()
        )
        if doctor is None:
            raise PermissionDenied(_("This account has no doctor profile."))
        return doctor
    if not raw_id:
        return None
    form = ConsoleDoctorForm({"doctor": raw_id})
    if not form.is_valid():
        raise Http404(_("Unknown doctor"))
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
        doctor_day=console_day(doctor=doctor),
        late_form=RunningLateForm(),
        may_record_delay=may(request.user, Act.RECORD_DELAY),
    )
    return context


def console_buttons(token: Token) -> list[tuple[str, str]]:
    """The console's buttons for a row: the lifecycle moves its status allows."""
    allowed = ALLOWED[TokenStatus(token.status)]
    buttons = []
    if TokenStatus.IN_CONSULTATION in allowed:
        buttons.append(("call", _("Call in")))
    if TokenStatus.COMPLETED in allowed:
        buttons.append(("complete", _("Complete")))
    if token.status == TokenStatus.IN_CONSULTATION and TokenStatus.CHECKED_IN in allowed:
        buttons.append(("requeue", _("Requeue")))
    if TokenStatus.NO_SHOW in allowed:
        buttons.append(("no-show", _("No-show")))
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
        raise Http404(_("Pick a doctor"))
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
        raise Http404(_("Pick a doctor"))
    try:
        token = call_next(doctor=doctor, actor=request.user)
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(
            request,
            _("Calling %(number)s (%(name)s).")
            % {"number": token.display_number, "name": token.patient.name},
        )
    return _back_to_console(doctor, request)


CONSOLE_ACTIONS = {
    "call": (call_token, gettext_lazy("Calling {number}.")),
    "complete": (complete, gettext_lazy("{number} completed.")),
    "requeue": (requeue, gettext_lazy("{number} is back in the queue.")),
    "no-show": (mark_no_show, gettext_lazy("{number} marked as a no-show.")),
}


@require_POST
@console_required
def console_token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    if action not in CONSOLE_ACTIONS:
        raise Http404(_("Unknown action"))
    token = get_object_or_404(visible_tokens(request.user), reference=reference)
    perform(request, CONSOLE_ACTIONS[action], token)
    return _back_to_console(token.doctor_day.doctor, request)


def _delay_doctor(request: HttpRequest) -> Doctor:
    """Whose day a delay is for: a doctor's own (never another's), or the one staff picked.

    The same rule as the API's delay endpoint: the front desk for any doctor, a doctor for
    themself, both through ``may(user, Act.RECORD_DELAY)``.
    """
    if not may(request.user, Act.RECORD_DELAY):
        raise PermissionDenied(_("You may not record a delay."))
    raw_id = request.POST.get("doctor")
    doctor = _console_doctor(request, raw_id)
    if doctor is None:
        raise Http404(_("Pick a doctor"))
    if request.user.role == Role.DOCTOR and raw_id and raw_id != str(doctor.pk):
        raise PermissionDenied(_("A doctor records a delay for their own day only."))
    return doctor


def late_message(doctor_day, moved: int) -> str:
    """What the console says after a delay was recorded, revised or cleared."""
    if not doctor_day.delay_minutes:
        return _("Delay cleared: estimated times are back on schedule.")
    said = ngettext(
        "Running %(minutes)s minute late: estimated times have moved.",
        "Running %(minutes)s minutes late: estimated times have moved.",
        doctor_day.delay_minutes,
    ) % {"minutes": doctor_day.delay_minutes}
    if moved:
        said += " " + ngettext(
            "%(count)s patient was moved to a later slot or the waiting list.",
            "%(count)s patients were moved to a later slot or the waiting list.",
            moved,
        ) % {"count": moved}
    return said


@require_POST
@console_required
def console_running_late(request: HttpRequest) -> HttpResponse:
    """The doctor's "running late" control: record, revise or (0 minutes) clear today's delay."""
    doctor = _delay_doctor(request)
    form = RunningLateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the minutes late as a whole number from 0 to 720."))
        return _back_to_console(doctor, request)
    try:
        doctor_day, rehomed = set_delay(
            doctor=doctor,
            day=clock.today(),
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(request, late_message(doctor_day, len(rehomed)))
    return _back_to_console(doctor, request)
