from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Patient, User
from accounts.phones import PhoneField, search_form
from accounts.roles import Act, may


def acts_as(act: Act):
    """Name the act an admin action performs, so the admin offers it only to roles that may."""

    def mark(action):
        action.act = act
        return action

    return mark


class RoleGatedAdmin(admin.ModelAdmin):
    """Offers a role only the actions, and lets it change only the fields, that the permission
    matrix (``accounts.roles``) allows it through every other door."""

    field_acts: dict[str, Act] = {}

    def get_actions(self, request):
        return {
            name: entry
            for name, entry in super().get_actions(request).items()
            if not hasattr(entry[0], "act") or may(request.user, entry[0].act)
        }

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        denied = [
            field
            for field, act in self.field_acts.items()
            if field not in fields and not may(request.user, act)
        ]
        return (*fields, *denied)


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "name", "role")


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users sign in with their e-mail address; ``role`` says what they may do."""

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "name", "role", "phone", "is_staff", "is_active", "last_login")
    list_filter = ("role", "is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "name", "phone")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("name", "phone", "role")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )


class PatientAdminForm(forms.ModelForm):
    """The phone however typed, stored in E.164 (``accounts.phones``); without one, a reason."""

    phone = PhoneField(label=_("Phone"), required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), required=False)

    class Meta:
        model = Patient
        fields = ["name", "phone", "phone_missing_reason", "preferred_language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "preferred_language" in self.fields:
            self.fields["preferred_language"].choices = [
                ("", _("Not stated")),
                *settings.LANGUAGES,
            ]

    def clean(self):
        data = super().clean()
        if "phone" in self.fields and "phone_missing_reason" in self.fields:
            if data.get("phone"):
                data["phone_missing_reason"] = ""
            elif not data.get("phone_missing_reason") and "phone" not in self.errors:
                self.add_error(
                    "phone_missing_reason", _("Without a phone number, say why there is none.")
                )
        return data


# What the front desk records about a patient (an administrator's or receptionist's edit).
PATIENT_DETAILS = (
    "name",
    "phone",
    "phone_missing_reason",
    "email",
    "date_of_birth",
    "date_of_birth_approximate",
    "sex",
    "preferred_language",
)


@admin.register(Patient)
class PatientAdmin(RoleGatedAdmin):
    form = PatientAdminForm
    field_acts = {
        **dict.fromkeys(PATIENT_DETAILS, Act.EDIT_PATIENT),
        "user": Act.LINK_PATIENT_ACCOUNT,
    }

    def has_delete_permission(self, request, obj=None):
        """A patient's record and history stay; no door deletes them."""
        return False

    def get_search_results(self, request, queryset, search_term):
        """A phone is found however it is typed ("09820134567" finds "+919820134567")."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_form(search_term)
        if number:
            found |= queryset.filter(phone=number)
        return found, may_have_duplicates

    list_display = (
        "mrn",
        "name",
        "phone",
        "date_of_birth",
        "sex",
        "no_show_count",
        "booking_blocked",
        "created_at",
    )
    list_filter = ("booking_blocked", "sex", ("merged_into", admin.EmptyFieldListFilter))
    search_fields = ("name", "phone", "mrn", "email", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "mrn",
        "no_show_count",
        "booking_blocked",
        "block_cleared_at",
        "created_at",
        "merged_into",
    )
    raw_id_fields = ("user",)
    fieldsets = (
        (
            None,
            {"fields": ("mrn", *PATIENT_DETAILS, "merged_into")},
        ),
        ("Account", {"fields": ("user",)}),
        (
            "No-shows",
            {"fields": ("no_show_count", "booking_blocked", "block_cleared_at", "created_at")},
        ),
    )
