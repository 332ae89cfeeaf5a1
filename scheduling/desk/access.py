"""Who may use which desk page, and the helpers every desk view shares: find a token, run a
service, report a refusal.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import Role
from scheduling.errors import DomainError
from scheduling.models import Token
from scheduling.selectors import (
    visible_tokens,
)


def front_desk_required(view):
    """Signed-in receptionists and administrators only; others are refused (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_front_desk:
            raise PermissionDenied("The front desk is for receptionists and administrators.")
        return view(request, *args, **kwargs)

    return wrapped


def console_required(view):
    """Doctors (their own day) and the front desk (any doctor)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_front_desk or request.user.role == Role.DOCTOR):
            raise PermissionDenied("The console is for doctors and the front desk.")
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
