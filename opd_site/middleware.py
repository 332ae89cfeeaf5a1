"""Request logging with a request id, and security headers for the HTML pages."""

import logging
import time
import uuid

from django.conf import settings

logger = logging.getLogger("opd.request")
slow_logger = logging.getLogger("opd.slow")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class RequestLogMiddleware:
    """Log one structured line per request: id, user, method, path, status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.request_id = request_id
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        fields = {
            "request_id": request_id,
            "user": user.pk if user is not None and user.is_authenticated else None,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        }
        logger.info("%s %s %s", request.method, request.path, response.status_code, extra=fields)
        if duration_ms >= settings.SLOW_REQUEST_MS:
            slow_logger.warning("slow request %s %s", request.method, request.path, extra=fields)
        return response


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
