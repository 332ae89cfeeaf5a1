"""The desk's issue step when the patient is standing there: issue the token (allocation's
desk step), check the patient in (serving's), then open the slip to print.

It lives on the serving side because checking in is serving's; the issuing itself is the same
step as ``scheduling.desk.views.issue_token``.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Patient
from accounts.roles import Act, may
from queueing.services import check_in
from scheduling.desk.access import front_desk_required, report_refusal
from scheduling.desk.forms import IssueTokenForm
from scheduling.desk.views import issue_confirmed, printing_slip_url
from scheduling.errors import DomainError
from scheduling.models import Token


@require_POST
@front_desk_required
def issue_and_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """POST from the confirm page: issue today's token and, when "check in now" is ticked,
    check the patient in; then the slip, printing itself."""
    patient = get_object_or_404(Patient, pk=pk)
    form = IssueTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a doctor and a kind of token."))
        return redirect("desk:patient", pk=patient.pk)
    issued = issue_confirmed(request, patient=patient, form=form)
    if not isinstance(issued, Token):
        return issued
    if form.cleaned_data["check_in_now"] and may(request.user, Act.CHECK_IN):
        try:
            check_in(token=issued, actor=request.user)
        except DomainError as error:
            report_refusal(request, error)
        else:
            messages.success(
                request, _("%(number)s checked in.") % {"number": issued.display_number}
            )
    return redirect(printing_slip_url(issued))
