"""Request logging and metrics, the database-down answer, security headers for HTML pages, and
the client's address behind the trusted proxies.
"""

import logging
import re
import sys
import time
import uuid

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from opd_site import metrics
from opd_site.errors import error_body
from opd_site.logging import current_request_id

logger = logging.getLogger("opd.request")
slow_logger = logging.getLogger("opd.slow")
db_logger = logging.getLogger("opd.database")

# Scripts come from the site's own static files only: no page, the admin's included, needs an
# inline script or an on* handler, so an injected one never runs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# A client may pass its own request id (nginx's $request_id): accept it only if it is plain.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DATABASE_RETRY_AFTER_SECONDS = 5
UNMATCHED_ROUTE = "<unmatched>"


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXIES`` proxies the address the
    outermost trusted one appended to X-Forwarded-For (what the client wrote there itself is
    ignored).

    The same rule as DRF's throttles with ``NUM_PROXIES``; django-axes' sign-in lockout calls
    this (``AXES_CLIENT_IP_CALLABLE``).
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies == 0 or not forwarded:
        return remote_addr
    addresses = forwarded.split(",")
    return addresses[-min(proxies, len(addresses))].strip() or remote_addr


def _request_id(request) -> str:
    supplied = request.headers.get("X-Request-ID", "")
    return supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex


def _route(request) -> str:
    """The URL pattern that served the request (bounded), never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED_ROUTE
    return "/" + (match.route or "")


class RequestLogMiddleware:
    """One structured line and one latency observation per request, tagged with a request id.

    Goes first in ``MIDDLEWARE`` so that it times everything and sees the final status.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id(request)
        request.request_id = request_id
        context = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            self._record(request, response.status_code, seconds)
            return response
        finally:
            current_request_id.reset(context)

    def process_exception(self, request, exception):
        # Django answers 500 (and logs the traceback); the access line names the exception.
        request.opd_exception = type(exception).__name__

    def _record(self, request, status: int, seconds: float) -> None:
        duration_ms = round(seconds * 1000, 1)
        route = _route(request)
        user = getattr(request, "user", None)
        fields = {
            "request_id": request.request_id,
            "user": user.pk if user is not None and user.is_authenticated else None,
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
        }
        exception = getattr(request, "opd_exception", None)
        if exception is not None:
            fields["exception"] = exception
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(level, "%s %s %s", request.method, request.path, status, extra=fields)
        if duration_ms >= settings.SLOW_REQUEST_MS:
            slow_logger.warning("slow request %s %s", request.method, request.path, extra=fields)
        metrics.observe_request(method=request.method, route=route, status=status, seconds=seconds)


def database_unavailable_response() -> JsonResponse:
    response = JsonResponse(
        error_body(
            "database_unavailable",
            "The service cannot reach its database just now. Please try again shortly.",
            {"retry_after_seconds": DATABASE_RETRY_AFTER_SECONDS},
        ),
        status=503,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def _is_database_down(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


def _remember_database_failure(sender, request=None, **kwargs):
    """An exception Django turned into a 500 outside the view (in a middleware): note its kind."""
    if request is not None and _is_database_down(sys.exc_info()[1]):
        request.opd_database_down = True


class DatabaseUnavailableMiddleware:
    """Answer 503 ``database_unavailable`` with ``Retry-After`` when the database does not answer.

    A lost connection or a refused one is the hospital network's or the database server's
    problem, not a bug: the client is told to retry instead of getting a bare 500. Catches it
    in the view (``process_exception``) and in any middleware below this one (Django signals
    the exception before turning it into a 500). Put it right after ``RequestLogMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(
            _remember_database_failure, weak=False, dispatch_uid="opd_database_unavailable"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "opd_database_down", False):
            return self._unavailable(request, "a middleware")
        return response

    def process_exception(self, request, exception):
        if _is_database_down(exception):
            return self._unavailable(request, "the view", exception)
        return None

    @staticmethod
    def _unavailable(request, where: str, exception: BaseException | None = None):
        metrics.observe_database_unavailable()
        db_logger.warning(
            "database unavailable in %s: %s",
            where,
            exception if exception is not None else "see the traceback above",
            extra={"request_id": getattr(request, "request_id", None), "path": request.path},
        )
        return database_unavailable_response()


class SecurityHeadersMiddleware:
    """Content-Security-Policy and friends on every HTML response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
