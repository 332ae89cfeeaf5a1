"""Front-desk pages of allocation (patients, issuing and cancelling tokens, taking payments, the
day's collection): each view parses input, calls one service or selector, and renders.

Receptionists and administrators ("front desk") use every page here; doctors use only the
console, and only for their own day.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Patient, Role
from accounts.roles import Act, may
from accounts.selectors import find_patients
from accounts.services import PossibleDuplicate, create_patient
from opd_site import clock
from scheduling.desk.access import desk_token, front_desk_required, report_refusal
from scheduling.desk.forms import (
    DESK_METHOD_CHOICES,
    DESK_SOURCES,
    PAY_LATER,
    CancelTokenForm,
    CollectionForm,
    IssueTokenForm,
    PatientForm,
    PatientSearchForm,
    TakePaymentForm,
    WaiveFeeForm,
)
from scheduling.errors import DomainError
from scheduling.models import PaymentMethod, PaymentState, Source, Token
from scheduling.selectors import (
    day_overview,
    patient_tokens,
    patient_waiting,
    with_positions,
)
from scheduling.services import cancellation
from scheduling.services.payments import (
    day_collection,
    fee_preview,
    payment_of,
    take_payment,
    waive_fee,
)
from scheduling.services.requests import request_token


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if self.request.user.role == Role.DOCTOR:
            return reverse("desk:console")
        return super().get_default_redirect_url()


@require_GET
@front_desk_required
def patient_search(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    digits = "".join(ch for ch in query if ch.isdigit() or ch == "+")
    initial = {"phone": digits} if len(digits) >= 4 else {"name": query}
    return render(
        request,
        "desk/patient_search.html",
        {
            "search_form": form,
            "query": query,
            "patients": find_patients(query),
            "patient_form": PatientForm(initial=initial if query else None),
        },
    )


@require_POST
@front_desk_required
def patient_register(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST)
    duplicates = []
    if form.is_valid():
        try:
            patient = create_patient(
                **form.cleaned_data, create_anyway=bool(request.POST.get("create_anyway"))
            )
        except PossibleDuplicate as error:
            duplicates = error.candidates
        except DomainError as error:
            report_refusal(request, error)
            for field, problems in error.details.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(
                request,
                _("Registered %(name)s as %(mrn)s.") % {"name": patient.name, "mrn": patient.mrn},
            )
            return redirect("desk:patient", pk=patient.pk)
    context = {
        "search_form": PatientSearchForm(),
        "patient_form": form,
        "patients": [],
        "query": "",
        "duplicates": duplicates,
    }
    # Possible duplicates are a question for the clerk, not an error in the form.
    return render(request, "desk/patient_search.html", context, status=200 if duplicates else 400)


@require_GET
@front_desk_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk)
    return render(
        request,
        "desk/patient.html",
        {
            "patient": patient,
            "tokens": patient_tokens(patient=patient),
            "waiting": with_positions(patient_waiting(patient=patient)),
            "departments": day_overview(),
            "sources": DESK_SOURCES,
            "today": clock.today(),
        },
    )


@front_desk_required
def issue_token(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirm page for one doctor and source. POST: issue the token for today."""
    patient = get_object_or_404(Patient, pk=pk)
    form = IssueTokenForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a doctor and a kind of token."))
        return redirect("desk:patient", pk=patient.pk)
    doctor, source = form.cleaned_data["doctor"], Source(form.cleaned_data["source"])
    if request.method != "POST":
        return render(
            request,
            "desk/issue_confirm.html",
            {
                "patient": patient,
                "doctor": doctor,
                "source": source,
                "form": form,
                "fee": fee_preview(doctor=doctor, day=clock.today(), source=source),
                "methods": DESK_METHOD_CHOICES,
                "pay_later": PAY_LATER,
                # A walk-in issued at the desk stands at the desk: paid in cash and checked in
                # unless the clerk says otherwise.
                "default_method": PaymentMethod.CASH if source == Source.WALK_IN else "",
                "check_in_now": source == Source.WALK_IN,
            },
        )
    issued = issue_confirmed(request, patient=patient, form=form)
    if not isinstance(issued, Token):
        return issued
    return redirect(printing_slip_url(issued))


def printing_slip_url(token: Token) -> str:
    """Confirm and print: the slip opens the print dialog once it has loaded."""
    return reverse("desk:slip", args=[token.reference]) + "?print=1"


def issue_confirmed(
    request: HttpRequest, *, patient: Patient, form: IssueTokenForm
) -> Token | HttpResponse:
    """Issue the token the confirm page's valid ``form`` names, for today, and tell the clerk.
    Returns the token, or the page to show when none was seated (refused, or waiting)."""
    if patient.merged_into_id is not None:
        messages.error(request, _("This record was merged into another one: use that one."))
        return redirect("desk:patient", pk=patient.merged_into_id)
    try:
        allocation = request_token(
            doctor=form.cleaned_data["doctor"],
            day=clock.today(),
            source=Source(form.cleaned_data["source"]),
            patient=patient,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            payment=form.payment(),
        )
    except DomainError as error:
        report_refusal(request, error)
        return redirect("desk:patient", pk=patient.pk)
    if allocation.token is None:
        messages.warning(
            request,
            _("%(outcome)s Nobody is seated yet, and no payment was taken.")
            % {"outcome": allocation.message},
        )
        return redirect("desk:waiting_slip", reference=allocation.waiting.reference)
    token = allocation.token
    messages.success(
        request,
        (
            _("Token %(number)s issued.") % {"number": token.display_number}
            + f" {allocation.message} {_fee_note(token)}"
        ).strip(),
    )
    return token


def _fee_note(token) -> str:
    """What the clerk is told about the fee of a token just issued."""
    payment = payment_of(token)
    if token.payment_state == PaymentState.PAID and payment is not None:
        return _("Paid %(amount)s by %(method)s.") % {
            "amount": payment.amount,
            "method": PaymentMethod(payment.method).label,
        }
    if token.fee > 0:
        return _("%(fee)s to pay: the fee shows as owed until the desk takes it.") % {
            "fee": token.fee
        }
    return ""


@require_http_methods(["GET", "POST"])
@front_desk_required
def token_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: ask to confirm. POST: cancel once confirmed; a POST without the confirmation (the
    token page's form) only asks for it, and changes nothing."""
    token = desk_token(request, reference)
    if not may(request.user, Act.CANCEL_TOKEN):
        raise PermissionDenied(_("You may not cancel tokens."))
    back = _next_url(request) or reverse("desk:token", args=[token.reference])
    form = CancelTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["confirm"]:
        try:
            done = cancellation.cancel_and_promote(
                token=token, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            report_refusal(request, error)
        else:
            messages.success(request, cancelled_message(done))
        return redirect(back)
    return render(
        request,
        "desk/cancel_confirm.html",
        {
            "token": token,
            "form": form,
            "back": back,
            "cancel_check": cancellation.cancellation_check(token=token, actor=request.user),
        },
        status=400 if form.errors else 200,
    )


def cancelled_message(done: cancellation.Cancellation) -> str:
    """What the clerk is told: who got the freed seat, or that it is free."""
    number = done.token.display_number
    if not done.promoted:
        return _("%(number)s cancelled; its seat is free (nobody waiting could take it).") % {
            "number": number
        }
    promoted = ", ".join(token.display_number for token in done.promoted)
    return ngettext(
        "%(number)s cancelled; seat given to token %(promoted)s from the waiting list.",
        "%(number)s cancelled; seats given to tokens %(promoted)s from the waiting list.",
        len(done.promoted),
    ) % {"number": number, "promoted": promoted}


def _next_url(request: HttpRequest) -> str | None:
    """A page of this site to return to (``next``), or None."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
@front_desk_required
def token_payment(request: HttpRequest, reference: str) -> HttpResponse:
    """Take the fee owed for a token (at check-in, or any time the patient pays)."""
    token = desk_token(request, reference)
    form = TakePaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the patient paid."))
        return redirect("desk:token", reference=token.reference)
    data = form.cleaned_data
    try:
        token = take_payment(
            token=token,
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            actor=request.user,
        )
    except DomainError as error:
        report_refusal(request, error)
    else:
        payment = payment_of(token)
        messages.success(
            request,
            _("%(number)s: %(amount)s taken by %(method)s.")
            % {
                "number": token.display_number,
                "amount": payment.amount,
                "method": PaymentMethod(payment.method).label,
            },
        )
    return redirect("desk:token", reference=token.reference)


@require_POST
@front_desk_required
def token_waive(request: HttpRequest, reference: str) -> HttpResponse:
    """An administrator waives the fee owed (the service refuses anyone else)."""
    token = desk_token(request, reference)
    form = WaiveFeeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the fee is waived."))
        return redirect("desk:token", reference=token.reference)
    try:
        waive_fee(token=token, reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(
            request,
            _("%(number)s: fee of %(fee)s waived.")
            % {"number": token.display_number, "fee": token.fee},
        )
    return redirect("desk:token", reference=token.reference)


@require_GET
@front_desk_required
def collection(request: HttpRequest) -> HttpResponse:
    """The day's collection: a receptionist's own, an administrator's pick (everyone by default)."""
    form = CollectionForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    day = chosen.get("date") or clock.today()
    taken_by = chosen.get("taken_by")
    is_admin = may(request.user, Act.READ_ALL_COLLECTIONS)
    try:
        totals = day_collection(
            day=day, viewer=request.user, taken_by=taken_by if is_admin else None
        )
    except DomainError as error:
        report_refusal(request, error)
        return redirect("desk:overview")
    return render(
        request,
        "desk/collection.html",
        {
            "form": form,
            "collection": totals,
            "methods": PaymentMethod,
            "is_admin": is_admin,
            "day": day,
        },
    )
