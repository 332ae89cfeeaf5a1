"""The domain-error base every app raises, and the API's one error shape.

Each domain error has a stable ``code``, a human ``message`` and an HTTP ``status``; the API's
exception handler turns them into {"error": {"code", "message", "details"}}.

The message is written in the active language (the request's, see LocaleMiddleware) when the error
is raised; the code stays English: clients branch on it.
"""

from django.utils.translation import gettext_lazy as _


def error_body(code: str, message: str, details: dict | list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


class DomainError(Exception):
    code = "domain_error"
    status = 409
    default_message = _("The request conflicts with the current state.")

    def __init__(self, message: str | None = None, *, details: dict | None = None):
        # Lazy messages are written out now, in the language of the request that raised them.
        self.message = str(message or self.default_message)
        self.details = details or {}
        super().__init__(self.message)


class InvalidRequest(DomainError):
    code = "invalid"
    status = 400
    default_message = _("The request is not valid.")
