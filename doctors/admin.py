from django import forms
from django.contrib import admin

from accounts.admin import RoleGatedAdmin
from accounts.roles import Act
from doctors.models import Department, Doctor, DoctorLeave, DoctorSchedule


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "location")
    search_fields = ("name", "code", "location")


class DoctorScheduleInline(admin.TabularInline):
    model = DoctorSchedule
    extra = 0
    fields = (
        "weekday",
        "start_time",
        "end_time",
        "slot_minutes",
        "capacity",
        "emergency_reserve",
        "walk_in_reserve",
        "consultation_fee",
        "priority_fee",
    )


class DoctorLeaveForm(forms.ModelForm):
    class Meta:
        model = DoctorLeave
        fields = ("doctor", "start_date", "end_date", "reason")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "Leave must end on or after its first day.")
        return data


class DoctorLeaveInline(admin.TabularInline):
    model = DoctorLeave
    form = DoctorLeaveForm
    extra = 0
    fields = ("start_date", "end_date", "reason", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")


@admin.register(Doctor)
class DoctorAdmin(RoleGatedAdmin):
    # What the API lets a role change (PATCH doctors/{id}, POST doctors/{id}/availability).
    field_acts = {
        **dict.fromkeys(
            (
                "specialization",
                "department",
                "license_number",
                "qualifications",
                "experience_years",
                "room",
            ),
            Act.EDIT_DOCTOR,
        ),
        "is_available": Act.SET_AVAILABILITY,
    }
    list_display = (
        "name",
        "department",
        "specialization",
        "token_prefix",
        "room",
        "average_consultation_minutes",
        "is_available",
    )
    list_filter = ("department", "is_available")
    search_fields = (
        "user__name",
        "user__email",
        "specialization",
        "license_number",
        "token_prefix",
    )
    list_select_related = ("user", "department")
    raw_id_fields = ("user",)
    inlines = (DoctorScheduleInline, DoctorLeaveInline)

    @admin.display(description="Name", ordering="user__name")
    def name(self, doctor: Doctor) -> str:
        return doctor.user.name

    def has_delete_permission(self, request, obj=None):
        """A doctor's days and tokens stay; an absent doctor is marked unavailable instead."""
        return False

    def get_readonly_fields(self, request, obj=None):
        """The account and token prefix are chosen at registration; the average is kept by
        consultations."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        return (*fields, "user", "token_prefix", "average_consultation_minutes")

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            if isinstance(row, DoctorLeave) and row.created_by_id is None:
                row.created_by = request.user
            row.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()


@admin.register(DoctorSchedule)
class DoctorScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "doctor",
        "weekday",
        "start_time",
        "end_time",
        "slot_minutes",
        "capacity",
        "emergency_reserve",
        "walk_in_reserve",
        "consultation_fee",
    )
    list_filter = ("weekday", "doctor__department")
    search_fields = ("doctor__user__name", "doctor__token_prefix")
    list_select_related = ("doctor__user",)


@admin.register(DoctorLeave)
class DoctorLeaveAdmin(admin.ModelAdmin):
    form = DoctorLeaveForm
    list_display = ("doctor", "start_date", "end_date", "reason", "created_by", "created_at")
    list_filter = ("doctor__department",)
    search_fields = ("doctor__user__name", "doctor__token_prefix", "reason")
    list_select_related = ("doctor__user", "created_by")
    date_hierarchy = "start_date"
    raw_id_fields = ("doctor",)
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
