"""Who may use which desk page, and the helpers every desk view shares: find a token, run a
service, report a refusal; and the admin site's context, which makes the desk one site with it.
"""

from functools import wraps

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from accounts.models import Role
from scheduling.desk.admin_booking import may_book
from scheduling.errors import DomainError
from scheduling.models import Token
from scheduling.selectors import (
    visible_tokens,
)


def admin_site_context(request: HttpRequest) -> dict:
    """The admin site's ``each_context`` on every page (a context processor), so the desk's
    pages carry the admin's header (the hospital's name), its navigation (``available_apps``)
    and user tools. Lazy: a page that shows none of it runs no query for it; the admin's own
    pages pass the same names themselves."""
    site = admin.site
    each = SimpleLazyObject(lambda: site.each_context(request))
    return {
        "site_header": site.site_header,
        "site_title": site.site_title,
        "has_permission": SimpleLazyObject(lambda: each["has_permission"]),
        "available_apps": SimpleLazyObject(lambda: each["available_apps"]),
        "desk_may_book": SimpleLazyObject(lambda: may_book(request.user)),
    }


def front_desk_required(view):
    """Signed-in receptionists and administrators only; others are refused (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_front_desk:
            raise PermissionDenied(
                gettext("The front desk is for receptionists and administrators.")
            )
        return view(request, *args, **kwargs)

    return wrapped


def console_required(view):
    """Doctors (their own day) and the front desk (any doctor)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_front_desk or request.user.role == Role.DOCTOR):
            raise PermissionDenied(gettext("The console is for doctors and the front desk."))
        return view(request, *args, **kwargs)

    return wrapped


def desk_token(request: HttpRequest, reference: str) -> Token:
    """The token with this reference, if the signed-in user may see it (else 404)."""
    return get_object_or_404(visible_tokens(request.user), reference=reference)


def report_refusal(request: HttpRequest, error: DomainError) -> None:
    """Show the service's refusal as the page's error message."""
    messages.error(request, error.message)


def perform(request: HttpRequest, action: tuple, token: Token) -> None:
    """Run a token action's service as the signed-in user; say what happened, or why not."""
    service, done = action
    try:
        service(token=token, actor=request.user)
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(request, done.format(number=token.display_number))
