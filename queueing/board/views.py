"""The waiting-hall board and the public status pages of a token and of a waiting entry:
numbers only, never names."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET

from accounts.languages import preferred_language
from doctors.models import Department
from opd_site import clock, conditional
from queueing.selectors import board_department_days, board_rows
from scheduling import readcache
from scheduling.models import Token, WaitingEntry
from scheduling.selectors import QUEUED_STATUSES, position_of, slip_token

BOARD_REFRESH_SECONDS = 4
STATUS_REFRESH_SECONDS = 30
# The hall reads English and Hindi: the polled rows change language every this many seconds,
# starting (at each whole minute) with the language the screen's browser asks for.
BOARD_LANGUAGE_SECONDS = 15


# The cache: a page's facts are everything it shows (the rows it reads, fresh, and the queue's
# cached estimates); their digest is its ETag and its cache key, known before anything is
# rendered. What is relative to now (the clock, minutes to wait) is among the facts, computed
# for each request. A page rendered with a request carries a CSRF token: it is cached with a
# placeholder, filled in for each request, so no visitor ever gets another's token.
CSRF_PLACEHOLDER = "opd-csrf-placeholder-7c1f"


def _cached_html(key: str, build) -> str:
    html = readcache.get(key)
    if html is None:
        html = build()
        readcache.put(key, html)
    return html


def _page(request: HttpRequest, key: str, template: str, context: dict) -> str:
    def build() -> str:
        return render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)

    return _cached_html(key, build).replace(CSRF_PLACEHOLDER, str(get_token(request)))


def _answer(html: str, etag: str, *, language: str, private: bool) -> HttpResponse:
    response = HttpResponse(html)
    response["Content-Language"] = language
    return conditional.mark(response, etag, private=private)


def _board_table(days, language: str) -> tuple[str, str]:
    """The board's table for these days (their versions just read), in ``language``: its key
    and its HTML. Rendered only when the key is new."""
    rows = board_rows(days)
    key = readcache.digest(
        "board-table",
        language,
        [
            (
                (row.now_serving, row.up_next, row.next_from, row.next_to),
                readcache.row(row.doctor_day),
                readcache.row(row.doctor),
                readcache.row(row.doctor.user),
            )
            for row in rows
        ],
    )
    with translation.override(language):
        html = _cached_html(
            key,
            lambda: render_to_string("queueing/partials/board_table.html", {"rows": rows}),
        )
    return key, mark_safe(html)  # noqa: S308 - rendered by our own template


def _board_context(department: Department, now, table: str) -> dict:
    return {
        "department": department,
        "board_table": table,
        "now": now,
        "refresh_seconds": BOARD_REFRESH_SECONDS,
    }


def _department_days(code: str) -> tuple[Department, list]:
    """The department and its doctor-days with slots today (one query, run on every poll
    before the cache); 404 for no such department."""
    department, days = board_department_days(code)
    if department is None:
        raise Http404("No such department.")
    return department, days


@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    department, days = _department_days(code)
    language = translation.get_language()
    table_key, table = _board_table(days, language)
    now = clock.now()
    key = readcache.digest(
        "board", table_key, readcache.row(department), language, f"{localtime(now):%H%M%S}"
    )
    etag = conditional.weak_etag(key)
    if conditional.holds(request, etag):
        return conditional.not_modified(etag, private=False)
    context = _board_context(department, now, table)
    html = _page(request, key, "queueing/board.html", context)
    return _answer(html, etag, language=language, private=False)


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
    """The board's rows alone, swapped in every few seconds, in each language in turn. The
    table comes from the cache; the clock above it is the request's."""
    department, days = _department_days(code)
    now = clock.now()
    language = board_language(translation.get_language(), now)
    table_key, table = _board_table(days, language)
    etag = conditional.weak_etag(readcache.digest("rows", table_key, f"{localtime(now):%H%M%S}"))
    if conditional.holds(request, etag):
        return conditional.not_modified(etag, private=False)
    with translation.override(language):
        html = render_to_string(
            "queueing/partials/board_rows.html", _board_context(department, now, table)
        )
    return _answer(html, etag, language=language, private=False)


def _status_facts(token: Token, item, language: str, now) -> tuple:
    """Everything a token's status page shows: its rows as just read, its place in the cached
    queue, the minutes to wait and the minute of the clock."""
    doctor = token.doctor_day.doctor
    place = (
        (
            (item.position, item.estimated_time, item.estimated_from, item.estimated_to),
            (item.estimated_wait_minutes, item.estimate_moved_minutes),
        )
        if item
        else None
    )
    return (
        language,
        readcache.row(token),
        readcache.row(token.slot),
        readcache.row(token.doctor_day),
        readcache.row(doctor),
        readcache.row(doctor.user),
        readcache.row(doctor.department),
        place,
        f"{localtime(now):%H%M}",
    )


def _render_status(request: HttpRequest, template: str, reference: str) -> HttpResponse:
    """In the patient's own language when they chose one, else in their browser's; from the
    cache, keyed by the token (its reference is its key: a page is never another's)."""
    token = slip_token(reference, with_patient_language=True)
    if token is None:
        raise Http404
    language = preferred_language(token.patient) or translation.get_language()
    now = clock.now()
    item = None
    if token.status in QUEUED_STATUSES:
        queue = readcache.day_queues([token.doctor_day])[token.doctor_day_id]
        item = readcache.queue_item(token, queue, now=now)
    key = readcache.digest(template, _status_facts(token, item, language, now))
    etag = conditional.weak_etag(key)
    if conditional.holds(request, etag):
        return conditional.not_modified(etag, private=True)
    context = {"token": token, "item": item, "now": now, "refresh_seconds": STATUS_REFRESH_SECONDS}
    with translation.override(language):
        html = _page(request, key, template, context)
    return _answer(html, etag, language=language, private=True)


@require_GET
def token_status(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_status(request, "queueing/status.html", reference)


@require_GET
def token_status_partial(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_status(request, "queueing/partials/status_card.html", reference)


def _render_waiting(request: HttpRequest, template: str, reference: str) -> HttpResponse:
    """In the patient's own language when they chose one, else in their browser's; from the
    cache, keyed by the entry and the versions of its day and of its token's day."""
    entry = get_object_or_404(
        WaitingEntry.objects.select_related(
            "patient",
            "doctor_day__doctor__user",
            "doctor_day__doctor__department",
            "allocated_token__doctor_day__doctor",
            "allocated_token__slot",
        ),
        reference=reference,
    )
    language = preferred_language(entry.patient) or translation.get_language()
    now = clock.now()
    doctor = entry.doctor_day.doctor
    token = entry.allocated_token
    key = readcache.digest(
        template,
        language,
        readcache.row(entry),
        readcache.row(entry.doctor_day),
        readcache.row(doctor),
        readcache.row(doctor.user),
        readcache.row(doctor.department),
        readcache.row(token),
        readcache.row(token.slot if token else None),
        readcache.row(token.doctor_day if token else None),
        readcache.row(token.doctor_day.doctor if token else None),
        f"{localtime(now):%H%M}",
    )
    etag = conditional.weak_etag(key)
    if conditional.holds(request, etag):
        return conditional.not_modified(etag, private=True)

    def context() -> dict:
        return {
            "entry": entry,
            "position": position_of(entry),
            "token": token,
            "now": now,
            "refresh_seconds": STATUS_REFRESH_SECONDS,
        }

    with translation.override(language):
        html = readcache.get(key)
        if html is None:
            html = render_to_string(
                template, {**context(), "csrf_token": CSRF_PLACEHOLDER}, request
            )
            readcache.put(key, html)
        html = html.replace(CSRF_PLACEHOLDER, str(get_token(request)))
    return _answer(html, etag, language=language, private=True)


@require_GET
def waiting_status(request: HttpRequest, reference: str) -> HttpResponse:
    """A waiting patient's public page: their place on the list, then their token once seated."""
    return _render_waiting(request, "queueing/waiting_status.html", reference)


@require_GET
def waiting_status_partial(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_waiting(request, "queueing/partials/waiting_status_card.html", reference)
