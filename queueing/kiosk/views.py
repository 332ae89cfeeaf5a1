"""The self check-in kiosk: ``/kiosk/<department code>/``, no sign-in.

A patient proves the token is theirs with its reference (the slip's QR code or typed) and the
last four digits of the phone on their record (the last four characters of the MRN when there
is none). The desk's own service checks them in, with no actor and a reason naming the kiosk.
An unknown reference and wrong digits get one and the same answer, wrong tries are limited per
client address and per reference, and the pages show no other patient's data.
"""

import hmac
import logging
import re
from contextlib import nullcontext

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.languages import preferred_language, supported_language
from accounts.models import Patient
from doctors.models import Department
from opd_site import clock
from queueing.kiosk import limits
from queueing.kiosk.forms import PROOF_LENGTH, CheckInForm, reference_from
from queueing.services import check_in
from scheduling.errors import DomainError
from scheduling.models import Token, TokenStatus
from scheduling.selectors import queue_item_for

logger = logging.getLogger("opd.kiosk")

# The token's history names the door: the event has no actor, and this reason.
SELF_CHECK_IN_REASON = "Self check-in at kiosk"
RESET_SECONDS = 15
REFUSAL_RESET_SECONDS = 45
IDLE_RESET_SECONDS = 90
# The camera may scan the slip's QR code on this page (the site's default forbids the camera).
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"
TOKEN_RELATED = ("patient", "slot", "doctor_day__doctor__user", "doctor_day__doctor__department")


def _department(code: str) -> Department:
    return get_object_or_404(Department, code__iexact=code)


def _language(chosen: str | None, patient: Patient | None = None):
    """The page's language: the one chosen at the kiosk, else the patient's own, else the
    request's (``LocaleMiddleware``: Accept-Language)."""
    language = supported_language(chosen)
    if language is None and patient is not None:
        language = preferred_language(patient)
    return translation.override(language) if language else nullcontext()


def expected_proof(patient: Patient) -> str:
    """The last four digits of the phone on record, or the MRN's last four characters."""
    phone_digits = re.sub(r"[^0-9]", "", patient.phone)
    if len(phone_digits) >= PROOF_LENGTH:
        return phone_digits[-PROOF_LENGTH:]
    return patient.mrn[-PROOF_LENGTH:].upper()


def _matching_token(reference: str | None, digits: str) -> Token | None:
    """The token, if the reference exists and the digits are its patient's; else None."""
    token = None
    if reference:
        token = Token.objects.select_related(*TOKEN_RELATED).filter(reference=reference).first()
    expected = expected_proof(token.patient) if token is not None else "\0" * PROOF_LENGTH
    matches = hmac.compare_digest(expected.encode(), digits.encode())
    return token if matches and token is not None else None


def _refusal(token: Token, department: Department) -> str | None:
    """Why this (matched) token cannot be checked in here, before asking the service."""
    doctor = token.doctor_day.doctor
    if doctor.department_id != department.pk:
        return _(
            "This token is for %(department)s. Please check in at that department's kiosk "
            "or ask at the desk."
        ) % {"department": doctor.department.name}
    return None


def _service_refusal(token: Token, error: DomainError) -> str:
    """The check-in service's refusal, in words for the patient where we know the case."""
    status = token.status
    if status in (TokenStatus.CHECKED_IN, TokenStatus.IN_CONSULTATION):
        return _("You are already checked in. Please take a seat; your number will be called.")
    if status == TokenStatus.COMPLETED:
        return _("This token's consultation is already over. Please ask at the desk.")
    if status == TokenStatus.CANCELLED:
        return _("This token was cancelled. Please ask at the desk.")
    if status == TokenStatus.NO_SHOW:
        return _("This token was marked as missed. Please ask at the desk.")
    day, today = token.doctor_day.date, clock.today()
    if day > today:
        return _("This token is for %(date)s. Please come to check in on that day.") % {
            "date": formats.date_format(day)
        }
    if day < today:
        return _("This token was for %(date)s. Please ask at the desk.") % {
            "date": formats.date_format(day)
        }
    return error.message


def _page(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["Permissions-Policy"] = PERMISSIONS_POLICY
    response["Content-Language"] = translation.get_language()
    return response


def _form_page(request, department, form, *, refusal: str = "", status: int = 200):
    context = {
        "department": department,
        "form": form,
        "refusal": refusal,
        "kiosk_url": reverse("kiosk:kiosk", args=[department.code]),
        "reset_seconds": REFUSAL_RESET_SECONDS if refusal or form.errors else None,
        "idle_seconds": IDLE_RESET_SECONDS,
    }
    return _page(request, "queueing/kiosk/check_in.html", context, status=status)


def _limited_page(request, department, *, message: str) -> HttpResponse:
    context = {
        "department": department,
        "message": message,
        "kiosk_url": reverse("kiosk:kiosk", args=[department.code]),
        "reset_seconds": REFUSAL_RESET_SECONDS,
    }
    response = _page(request, "queueing/kiosk/limited.html", context, status=429)
    response["Retry-After"] = str(limits.WINDOW_SECONDS)
    return response


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    department = _department(code)
    if request.method == "GET":
        chosen = request.GET.get("lang", "")
        with _language(chosen):
            form = CheckInForm(initial={"lang": supported_language(chosen) or ""})
            return _form_page(request, department, form)
    form = CheckInForm(request.POST)
    chosen = request.POST.get("lang", "")
    with _language(chosen):
        if limits.address_limited(request):
            return _limited_page(
                request,
                department,
                message=_(
                    "Too many wrong tries at this kiosk. Please ask at the desk, or try again "
                    "in 15 minutes."
                ),
            )
        if not form.is_valid():
            return _form_page(request, department, form, status=400)
        return _check_in(request, department, form)


def _check_in(request, department: Department, form: CheckInForm) -> HttpResponse:
    reference = reference_from(form.cleaned_data["reference"])
    if reference and limits.reference_locked(reference):
        return _limited_page(
            request,
            department,
            message=_(
                "This token is locked at the kiosk after too many wrong tries. Please ask at "
                "the desk, or try again in 15 minutes."
            ),
        )
    token = _matching_token(reference, form.cleaned_data["digits"])
    if token is None:
        limits.count_wrong_try(request, reference)
        logger.info("kiosk check-in refused: no match", extra={"department": department.code})
        return _form_page(
            request,
            department,
            CheckInForm(initial={"reference": form.cleaned_data["reference"], **_lang(form)}),
            refusal=_(
                "We could not find that token with those digits. Please check and try "
                "again, or ask at the desk."
            ),
            status=400,
        )
    with _language(form.cleaned_data["lang"], token.patient):
        return _checked_in_or_refused(request, department, form, token)


def _lang(form: CheckInForm) -> dict:
    return {"lang": form.cleaned_data.get("lang", "")}


def _checked_in_or_refused(request, department, form, token: Token) -> HttpResponse:
    refusal = _refusal(token, department)
    if refusal is None:
        try:
            token = check_in(token=token, actor=None, reason=SELF_CHECK_IN_REASON)
        except DomainError as error:
            refusal = _service_refusal(token, error)
            status = error.status
        else:
            logger.info("kiosk check-in", extra={"department": department.code, "token": token.pk})
            return _checked_in_page(request, department, token)
    else:
        status = 409
    return _form_page(
        request, department, CheckInForm(initial=_lang(form)), refusal=refusal, status=status
    )


def _checked_in_page(request, department, token: Token) -> HttpResponse:
    token = Token.objects.select_related(*TOKEN_RELATED).get(pk=token.pk)
    context = {
        "department": department,
        "token": token,
        "item": queue_item_for(token),
        "kiosk_url": reverse("kiosk:kiosk", args=[department.code]),
        "reset_seconds": RESET_SECONDS,
    }
    return _page(request, "queueing/kiosk/checked_in.html", context)
