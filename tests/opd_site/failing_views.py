"""URLs for the middleware tests: the project's own, plus views that fail the ways servers do."""

from django.db import InterfaceError, OperationalError
from django.urls import include, path


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def connection_closed(request):
    raise InterfaceError("connection already closed")


def bug(request):
    raise ZeroDivisionError("division by zero")


class DatabaseGoneMiddleware:
    """A middleware that needs the database on ``/broken-middleware`` and finds it down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/broken-middleware":
            raise OperationalError("could not connect to server: Connection refused")
        return self.get_response(request)


urlpatterns = [
    path("database-gone", database_gone),
    path("connection-closed", connection_closed),
    path("bug", bug),
    path("", include("opd_site.urls")),
]
