"""The waiting-hall board and a token's public status page: numbers only, never names."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from doctors.models import Department
from opd_site import clock
from queueing.selectors import board_for
from scheduling.models import Token
from scheduling.selectors import queue_item_for

BOARD_REFRESH_SECONDS = 4
STATUS_REFRESH_SECONDS = 30


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


@require_GET
def board_partial(request: HttpRequest, code: str) -> HttpResponse:
    """The board's rows alone; the page swaps them in every few seconds."""
    return render(request, "queueing/partials/board_rows.html", _board_context(_department(code)))


def _status_context(reference: str) -> dict:
    token = get_object_or_404(
        Token.objects.select_related(
            "slot", "doctor_day__doctor__user", "doctor_day__doctor__department"
        ),
        reference=reference,
    )
    return {
        "token": token,
        "item": queue_item_for(token),
        "now": clock.now(),
        "refresh_seconds": STATUS_REFRESH_SECONDS,
    }


@require_GET
def token_status(request: HttpRequest, reference: str) -> HttpResponse:
    response = render(request, "queueing/status.html", _status_context(reference))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def token_status_partial(request: HttpRequest, reference: str) -> HttpResponse:
    response = render(request, "queueing/partials/status_card.html", _status_context(reference))
    response["Cache-Control"] = "no-store"
    return response
