"""Turn every API error, DRF's and the engine's, into the contract's error shape.

``{"error": {"code": "slot_full", "message": "human sentence", "details": {...}}}`` whatever
went wrong: a domain refusal from the engine, DRF's validation, authentication, permission,
throttling and parsing errors, and Django's own 404 and 500 pages for paths under ``/api/``.
"""

import json

from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from opd_site.errors import DomainError, error_body

API_PREFIX = "/api/"

# DRF's own codes, renamed where the contract speaks differently.
CODE_NAMES = {
    "permission_denied": "forbidden",
    "parse_error": "malformed_request",
}
MESSAGES = {
    "invalid": "The request is not valid.",
    "not_authenticated": "Sign in first: send an Authorization: Bearer <access token> header.",
}


def _as_details(detail) -> dict:
    """Validation details are always an object: per field, or under ``non_field_errors``."""
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", MESSAGES["invalid"], _as_details(exc.detail)
    detail = exc.detail
    if isinstance(detail, dict):
        # SimpleJWT's token errors: {"detail": ..., "code": ..., "messages": [...]}.
        code = str(detail.get("code") or exc.default_code)
        message = str(detail.get("detail") or exc.default_detail)
        details = {key: value for key, value in detail.items() if key not in ("code", "detail")}
        return CODE_NAMES.get(code, code), message, details
    if isinstance(detail, list):
        return exc.default_code, str(exc.default_detail), {"non_field_errors": detail}
    code = getattr(detail, "code", None) or exc.default_code
    details = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        details["retry_after_seconds"] = int(exc.wait + 0.999)
    code = CODE_NAMES.get(code, code)
    return code, MESSAGES.get(code, str(detail)), details


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: one shape for every error, the right status and headers."""
    if isinstance(exc, DomainError):
        set_rollback()
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    else:
        response = drf_exception_handler(exc, context)
        if response is None:
            return None
        if not isinstance(exc, exceptions.APIException):
            # Django's Http404 / PermissionDenied, already turned into DRF's by the default
            # handler.
            exc = (
                exceptions.NotFound()
                if response.status_code == 404
                else exceptions.PermissionDenied()
            )
        response.data = error_body(*_describe(exc))
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


class StrictJSONParser(JSONParser):
    """JSON bodies only, and only text the database can store (no lone surrogates)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise exceptions.ParseError("The JSON holds text that is not valid Unicode.") from exc
        return data


# Django's own error pages, as JSON under /api/ (handler404 / handler500 in opd_site.urls).


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            error_body("not_found", "There is nothing at this address."), status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        body = error_body("server_error", "Something went wrong on our side; it has been logged.")
        return JsonResponse(body, status=500)
    return defaults.server_error(request)


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            error_body("bad_request", "The request could not be understood."), status=400
        )
    return defaults.bad_request(request, exception)


# The error shape in the OpenAPI schema: one reusable component.


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `already_booked`.")
    message = serializers.CharField(help_text="A human sentence.")
    details = serializers.DictField(
        help_text="Per-field messages for invalid input; context for other errors."
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    400: "Invalid input (details per field) or a request the policy refuses.",
    401: "No access token, or an expired or invalid one.",
    402: "Payment required: the fee must be paid (details.fee) before this is done.",
    403: "The role or ownership does not allow this.",
    404: "Unknown, or not yours.",
    405: "Method not allowed.",
    409: "Conflicts with the current state.",
    415: "Send JSON.",
    429: "Too many requests; see Retry-After.",
    503: "The doctor's schedule is busy; retry after Retry-After seconds.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema responses for the given error statuses, all with the one error component."""
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }
