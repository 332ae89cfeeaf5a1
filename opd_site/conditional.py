"""Conditional GET for pollers: a weak ETag computed before the response is built, and 304
without a body when the client already holds it (``If-None-Match``)."""

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import parse_etags


def weak_etag(key: str) -> str:
    return f'W/"{key}"'


def holds(request: HttpRequest, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (weak comparison) or ``*``."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))


def not_modified(etag: str, *, private: bool) -> HttpResponse:
    return mark(HttpResponse(status=304), etag, private=private)


def mark(response: HttpResponseBase, etag: str, *, private: bool) -> HttpResponseBase:
    """The ETag, and ``no-cache``: a browser keeps the answer but asks again every time."""
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache" if private else "no-cache"
    return response
