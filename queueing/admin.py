from django.contrib import admin

from queueing.models import WaitingEntry
from scheduling.admin import EngineStateAdmin
from scheduling.desk.admin_actions import WAITING_ACTIONS, DoctorListFilter


@admin.register(WaitingEntry)
class WaitingEntryAdmin(EngineStateAdmin):
    """The waiting list; entries are made, promoted and closed by the engine's services."""

    editable_fields = ("reason",)
    list_display = (
        "patient_name",
        "patient_phone",
        "doctor",
        "date",
        "source",
        "priority",
        "status",
        "requested_at",
        "expires_at",
        "allocated",
    )
    list_filter = (
        "status",
        "source",
        "doctor_day__doctor__department",
        "doctor_day__date",
        ("doctor_day__doctor", DoctorListFilter),
    )
    actions = WAITING_ACTIONS
    search_fields = (
        "patient__name",
        "patient__phone",
        "patient__mrn",
        "doctor_day__doctor__token_prefix",
    )
    list_select_related = (
        "doctor_day__doctor__user",
        "patient",
        "allocated_token__doctor_day__doctor",
    )
    date_hierarchy = "doctor_day__date"
    ordering = ("-doctor_day__date", "doctor_day__doctor", "-priority", "requested_at", "id")

    @admin.display(description="Patient", ordering="patient__name")
    def patient_name(self, entry: WaitingEntry) -> str:
        return entry.patient.name

    @admin.display(description="Phone", ordering="patient__phone")
    def patient_phone(self, entry: WaitingEntry) -> str:
        return entry.patient.phone

    @admin.display(description="Doctor", ordering="doctor_day__doctor__user__name")
    def doctor(self, entry: WaitingEntry) -> str:
        return str(entry.doctor_day.doctor)

    @admin.display(description="Date", ordering="doctor_day__date")
    def date(self, entry: WaitingEntry):
        return entry.doctor_day.date

    @admin.display(description="Token")
    def allocated(self, entry: WaitingEntry) -> str:
        token = entry.allocated_token
        return token.display_number if token is not None else "-"
