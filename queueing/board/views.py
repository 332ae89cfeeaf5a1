"""The waiting-hall board and the public status pages of a token and of a waiting entry:
numbers only, never names."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.http import require_GET

from accounts.languages import preferred_language
from doctors.models import Department
from opd_site import clock
from queueing.selectors import board_for
from scheduling.models import Token, WaitingEntry
from scheduling.selectors import position_of, queue_item_for, with_positions

BOARD_REFRESH_SECONDS = 4
STATUS_REFRESH_SECONDS = 30
# The hall reads English and Hindi: the polled rows change language every this many seconds,
# starting (at each whole minute) with the language the screen's browser asks for.
BOARD_LANGUAGE_SECONDS = 15


def _department(code: str) -> Department:
    return get_object_or_404(Department, code__iexact=code)


def _board_context(department: Department) -> dict:
    return {
        "department": department,
        "rows": board_for(department=department),
        "now": clock.now(),
        "refresh_seconds": BOARD_REFRESH_SECONDS,
    }


@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "queueing/board.html", _board_context(_department(code)))


def board_language(request_language: str, now) -> str:
    """The language of the board's rows at ``now``: the screen's own, then each other in turn.

    Every ``BOARD_LANGUAGE_SECONDS`` the next language of ``settings.LANGUAGES`` takes over, so a
    hall screen polling its rows shows English and Hindi alternately without any script of its
    own; a screen that cannot poll keeps the language of its browser.
    """
    codes = [code for code, _name in settings.LANGUAGES]
    if request_language in codes:
        codes.remove(request_language)
    codes.insert(0, request_language)
    turn = int(now.timestamp()) // BOARD_LANGUAGE_SECONDS
    return codes[turn % len(codes)]


@require_GET
def board_partial(request: HttpRequest, code: str) -> HttpResponse:
    """The board's rows alone, swapped in every few seconds, in each language in turn."""
    context = _board_context(_department(code))
    language = board_language(translation.get_language(), context["now"])
    with translation.override(language):
        context["board_language"] = language
        response = render(request, "queueing/partials/board_rows.html", context)
    response["Content-Language"] = language
    return response


def _status_context(reference: str) -> dict:
    token = get_object_or_404(
        Token.objects.select_related(
            "slot", "patient", "doctor_day__doctor__user", "doctor_day__doctor__department"
        ),
        reference=reference,
    )
    return {
        "token": token,
        "item": queue_item_for(token),
        "now": clock.now(),
        "refresh_seconds": STATUS_REFRESH_SECONDS,
    }


def _render_status(request: HttpRequest, template: str, reference: str) -> HttpResponse:
    """In the patient's own language when they chose one, else in their browser's."""
    context = _status_context(reference)
    language = preferred_language(context["token"].patient) or translation.get_language()
    with translation.override(language):
        response = render(request, template, context)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def token_status(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_status(request, "queueing/status.html", reference)


@require_GET
def token_status_partial(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_status(request, "queueing/partials/status_card.html", reference)


def _waiting_context(reference: str) -> dict:
    entry = get_object_or_404(
        with_positions(WaitingEntry.objects.all()).select_related(
            "patient",
            "doctor_day__doctor__user",
            "doctor_day__doctor__department",
            "allocated_token__doctor_day__doctor",
            "allocated_token__slot",
        ),
        reference=reference,
    )
    return {
        "entry": entry,
        "position": position_of(entry),
        "token": entry.allocated_token,
        "now": clock.now(),
        "refresh_seconds": STATUS_REFRESH_SECONDS,
    }


def _render_waiting(request: HttpRequest, template: str, reference: str) -> HttpResponse:
    """In the patient's own language when they chose one, else in their browser's."""
    context = _waiting_context(reference)
    language = preferred_language(context["entry"].patient) or translation.get_language()
    with translation.override(language):
        response = render(request, template, context)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def waiting_status(request: HttpRequest, reference: str) -> HttpResponse:
    """A waiting patient's public page: their place on the list, then their token once seated."""
    return _render_waiting(request, "queueing/waiting_status.html", reference)


@require_GET
def waiting_status_partial(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_waiting(request, "queueing/partials/waiting_status_card.html", reference)
