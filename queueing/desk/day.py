"""A doctor's day at the front desk: every token by slot and the waiting list, with one-click
actions; and the waiting slip a waitlisted patient takes home.

Each action is a POST that asks the permission matrix, calls one service and returns to the day;
the table re-renders itself every few seconds (htmx polling, as the board does).
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Act, may
from doctors.models import Doctor
from opd_site import clock
from opd_site.site import absolute_url
from queueing.desk.views import qr_svg
from queueing.selectors import DoctorDaySheet, doctor_day_sheet
from queueing.services import check_in
from scheduling.desk.access import desk_token, front_desk_required, report_refusal
from scheduling.errors import DomainError
from scheduling.models import Token, TokenStatus, WaitingEntry
from scheduling.selectors import position_of, visible_waiting, with_positions
from scheduling.services.cancellation import cancellation_check
from scheduling.services.no_show import mark_no_show, no_show_allowed_now
from scheduling.services.payments import amount_owed, payment_summary
from scheduling.services.waiting_list import cancel_waiting, may_promote_now, promote_entry

DAY_REFRESH_SECONDS = 5


def _day(raw: str | None) -> date:
    if raw is None:
        return clock.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Http404("Not a date") from None


def _doctor(doctor_id: int) -> Doctor:
    return get_object_or_404(Doctor.objects.select_related("user", "department"), pk=doctor_id)


def day_url(doctor_id: int, day: date) -> str:
    return reverse("desk:day", args=[doctor_id, day.isoformat()])


def token_actions(request: HttpRequest, token: Token, *, today: bool) -> dict:
    """What the desk may do to a token now: the services' own rules, the matrix's roles."""
    user = request.user
    return {
        "check_in": today and token.status == TokenStatus.BOOKED and may(user, Act.CHECK_IN),
        "no_show": no_show_allowed_now(token) and may(user, Act.MARK_NO_SHOW),
        "cancel": may(user, Act.CANCEL_TOKEN)
        and cancellation_check(token=token, actor=user).allowed,
        "pay": may(user, Act.TAKE_PAYMENT) and amount_owed(token) > 0,
    }


def _rows_context(request: HttpRequest, doctor: Doctor, day: date) -> dict:
    sheet: DoctorDaySheet = doctor_day_sheet(doctor=doctor, day=day)
    today = day == clock.today()
    for group in sheet.slots:
        for token in group.tokens:
            token.desk_actions = token_actions(request, token, today=today)
            token.payment_view = payment_summary(token)
    may_promote = may(request.user, Act.PROMOTE_WAITING)
    for entry in sheet.waiting:
        entry.promotable = may_promote and may_promote_now(entry=entry, seats=sheet.seats)
    return {
        "sheet": sheet,
        "doctor": doctor,
        "day": day,
        "is_today": today,
        "now": clock.now(),
        "may_remove": may(request.user, Act.CANCEL_WAITING),
        "day_url": day_url(doctor.pk, day),
        "refresh_seconds": DAY_REFRESH_SECONDS,
        "statuses": TokenStatus,
    }


@require_GET
@front_desk_required
def doctor_day(request: HttpRequest, doctor_id: int, day: str | None = None) -> HttpResponse:
    doctor = _doctor(doctor_id)
    return render(request, "desk/day.html", _rows_context(request, doctor, _day(day)))


@require_GET
@front_desk_required
def doctor_day_rows(request: HttpRequest, doctor_id: int, day: str) -> HttpResponse:
    """The day's tables alone, for htmx to swap in place."""
    doctor = _doctor(doctor_id)
    return render(request, "desk/partials/day_rows.html", _rows_context(request, doctor, _day(day)))


def _back_to_day(doctor_id: int, day: date, anchor: str = "") -> HttpResponse:
    return redirect(day_url(doctor_id, day) + (f"#{anchor}" if anchor else ""))


TOKEN_ACTIONS = {
    "check-in": (Act.CHECK_IN, check_in, gettext_lazy("%(number)s checked in.")),
    "no-show": (Act.MARK_NO_SHOW, mark_no_show, gettext_lazy("%(number)s marked as a no-show.")),
}


@require_POST
@front_desk_required
def day_token_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Check in or mark a no-show from the day page; the service refuses what its rules do."""
    if action not in TOKEN_ACTIONS:
        raise Http404("Unknown action")
    act, service, done = TOKEN_ACTIONS[action]
    if not may(request.user, act):
        raise PermissionDenied(_("Your role may not do this."))
    token = desk_token(request, reference)
    try:
        service(token=token, actor=request.user)
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(request, done % {"number": token.display_number})
    return _back_to_day(token.doctor_day.doctor_id, token.doctor_day.date, f"token-{reference}")


def _desk_entry(request: HttpRequest, reference: str) -> WaitingEntry:
    return get_object_or_404(visible_waiting(request.user), reference=reference)


@require_POST
@front_desk_required
def day_waiting_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Seat a waiting entry now (if a seat it may take is free) or take it off the list."""
    if action not in ("promote", "remove"):
        raise Http404("Unknown action")
    act = Act.PROMOTE_WAITING if action == "promote" else Act.CANCEL_WAITING
    if not may(request.user, act):
        raise PermissionDenied(_("Your role may not do this."))
    entry = _desk_entry(request, reference)
    anchor = "waiting"
    try:
        if action == "remove":
            cancel_waiting(entry=entry, actor=request.user, reason=_("Removed at the desk."))
            messages.success(
                request, _("%(name)s left the waiting list.") % {"name": entry.patient.name}
            )
        else:
            promotion = promote_entry(entry=entry, actor=request.user)
            anchor = _report_promotion(request, promotion)
    except DomainError as error:
        report_refusal(request, error)
    return _back_to_day(entry.doctor_day.doctor_id, entry.doctor_day.date, anchor)


def _report_promotion(request: HttpRequest, promotion) -> str:
    """Say whom the seat went to; return the anchor to show."""
    name = promotion.entry.patient.name
    if promotion.token is not None:
        messages.success(
            request,
            _("%(name)s is seated: token %(number)s, slot %(slot)s.")
            % {
                "name": name,
                "number": promotion.token.display_number,
                "slot": f"{timezone.localtime(promotion.token.slot.start):%H:%M}",
            },
        )
        return f"token-{promotion.token.reference}"
    numbers = ", ".join(token.display_number for token in promotion.issued)
    messages.warning(
        request,
        _("Patients ranked ahead of %(name)s took the free seats: %(numbers)s.")
        % {"name": name, "numbers": numbers},
    )
    return "waiting"


# The waiting slip ---------------------------------------------------------------------------


def waiting_status_url(request: HttpRequest, entry: WaitingEntry) -> str:
    """The public status page of a waiting entry, printed on its slip as a QR code."""
    return absolute_url(reverse("board:waiting_status", args=[entry.reference]), request)


@require_GET
@front_desk_required
def waiting_slip(request: HttpRequest, reference: str) -> HttpResponse:
    entry = get_object_or_404(
        with_positions(visible_waiting(request.user)).select_related(
            "allocated_token__doctor_day__doctor"
        ),
        reference=reference,
    )
    url = waiting_status_url(request, entry)
    return render(
        request,
        "desk/waiting_slip.html",
        {
            "entry": entry,
            "position": position_of(entry),
            "status_url": url,
            "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308 - segno's own SVG markup
            "paper": "a6" if request.GET.get("paper") == "a6" else "roll",
            "day_url": day_url(entry.doctor_day.doctor_id, entry.doctor_day.date),
        },
    )
