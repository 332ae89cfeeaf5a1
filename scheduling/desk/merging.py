"""The desk merges two records of one person: choose the record to keep, confirm, merge."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Patient
from accounts.roles import Act, may
from accounts.selectors import find_patients, likely_duplicates
from scheduling.desk.access import front_desk_required, report_refusal
from scheduling.desk.forms import MergePatientForm, PatientSearchForm
from scheduling.errors import DomainError
from scheduling.services.patients import merge_patients


def _records_to_keep(patient: Patient, query: str) -> list[Patient]:
    """Records the duplicate may be merged into: its likely duplicates, then search results."""
    born = patient.date_of_birth
    found = [
        match.patient
        for match in likely_duplicates(
            name=patient.name,
            phone=patient.phone,
            birth_year=born.year if born else None,
            exclude=patient,
        )
    ]
    for other in find_patients(query) if query else []:
        if other.pk != patient.pk and other not in found:
            found.append(other)
    return found


@require_http_methods(["GET", "POST"])
@front_desk_required
def patient_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the records this one may be merged into (``?into=`` asks to confirm one).
    POST: merge this record into ``into``; its tokens and history move there."""
    if not may(request.user, Act.MERGE_PATIENTS):
        raise PermissionDenied(_("You may not merge patient records."))
    duplicate = get_object_or_404(Patient, pk=pk)
    if duplicate.merged_into_id is not None:
        messages.info(request, _("This record was already merged into another one."))
        return redirect("desk:patient", pk=duplicate.merged_into_id)
    form = MergePatientForm(request.POST if request.method == "POST" else request.GET or None)
    chosen = form.cleaned_data["into"] if form.is_valid() else None
    if request.method == "POST" and chosen is not None:
        try:
            merge_patients(keep=chosen, duplicate=duplicate, actor=request.user)
        except DomainError as error:
            report_refusal(request, error)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(kept)s; its tokens are here now.")
                % {"duplicate": duplicate.mrn, "kept": chosen.mrn},
            )
            return redirect("desk:patient", pk=chosen.pk)
    search = PatientSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    return render(
        request,
        "desk/patient_merge.html",
        {
            "duplicate": duplicate,
            "chosen": chosen if chosen is not None and chosen.pk != duplicate.pk else None,
            "candidates": _records_to_keep(duplicate, query),
            "search_form": search,
            "query": query,
        },
    )
