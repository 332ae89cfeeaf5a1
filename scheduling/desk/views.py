"""Front-desk pages of allocation (patients, issuing and cancelling tokens, taking payments, the
day's collection): each view parses input, calls one service or selector, and renders.

Receptionists and administrators ("front desk") use every page here; doctors use only the
console, and only for their own day.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Patient, Role
from accounts.roles import Act, may
from accounts.selectors import find_patients
from accounts.services import create_patient
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
from scheduling.models import PaymentMethod, PaymentState, Source
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
    if form.is_valid():
        try:
            patient = create_patient(**form.cleaned_data)
        except DomainError as error:
            report_refusal(request, error)
            for field, problems in error.details.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, f"Registered {patient.name} as {patient.mrn}.")
            return redirect("desk:patient", pk=patient.pk)
    context = {
        "search_form": PatientSearchForm(),
        "patient_form": form,
        "patients": [],
        "query": "",
    }
    return render(request, "desk/patient_search.html", context, status=400)


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
        messages.error(request, "Choose a doctor and a kind of token.")
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
            },
        )
    try:
        allocation = request_token(
            doctor=doctor,
            day=clock.today(),
            source=source,
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
            request, f"{allocation.message} Nobody is seated yet, and no payment was taken."
        )
        return redirect("desk:patient", pk=patient.pk)
    token = allocation.token
    messages.success(
        request,
        f"Token {token.display_number} issued. {allocation.message} {_fee_note(token)}".strip(),
    )
    return redirect("desk:slip", reference=token.reference)


def _fee_note(token) -> str:
    """What the clerk is told about the fee of a token just issued."""
    payment = payment_of(token)
    if token.payment_state == PaymentState.PAID and payment is not None:
        return f"Paid {payment.amount} by {PaymentMethod(payment.method).label}."
    if token.fee > 0:
        return f"{token.fee} to pay: the fee shows as owed until the desk takes it."
    return ""


@require_POST
@front_desk_required
def token_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    token = desk_token(request, reference)
    form = CancelTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for cancelling.")
        return redirect("desk:token", reference=token.reference)
    try:
        cancellation.cancel_token(
            token=token, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(
            request, f"{token.display_number} cancelled; its seat went to the waiting list."
        )
    return redirect("desk:token", reference=token.reference)


@require_POST
@front_desk_required
def token_payment(request: HttpRequest, reference: str) -> HttpResponse:
    """Take the fee owed for a token (at check-in, or any time the patient pays)."""
    token = desk_token(request, reference)
    form = TakePaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how the patient paid.")
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
            f"{token.display_number}: {payment.amount} taken by "
            f"{PaymentMethod(payment.method).label}.",
        )
    return redirect("desk:token", reference=token.reference)


@require_POST
@front_desk_required
def token_waive(request: HttpRequest, reference: str) -> HttpResponse:
    """An administrator waives the fee owed (the service refuses anyone else)."""
    token = desk_token(request, reference)
    form = WaiveFeeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the fee is waived.")
        return redirect("desk:token", reference=token.reference)
    try:
        waive_fee(token=token, reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as error:
        report_refusal(request, error)
    else:
        messages.success(request, f"{token.display_number}: fee of {token.fee} waived.")
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
