"""Who may do what: the roles of api.md's "who" column.

Class permissions answer "may this role use the endpoint at all" (401 for anonymous, 403 for a
role without access); ``require`` answers the object-level question inside a view once the
object has been found among those the viewer may see (else 404).
"""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from accounts.models import Role
from accounts.roles import Act, may, may_book


def is_front_desk(user) -> bool:
    """Receptionists and administrators: "staff" in the contract."""
    return bool(getattr(user, "is_front_desk", False))


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.ADMIN)


def is_patient(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.PATIENT)


def is_doctor_user(user, doctor) -> bool:
    """The signed-in user is this doctor."""
    return bool(user.is_authenticated and doctor.user_id == user.id)


def owns_patient_record(user, patient) -> bool:
    return bool(user.is_authenticated and patient.user_id == user.id)


def require(allowed: bool, message: str = "Your role does not allow this.") -> None:
    if not allowed:
        raise PermissionDenied(message, code="forbidden")


class IsFrontDesk(BasePermission):
    message = "Only the front desk (receptionists and administrators) may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_front_desk(request.user))


class IsAdminRole(BasePermission):
    message = "Only an administrator may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_admin(request.user))


class MayBookTokens(BasePermission):
    """Patients book for themselves, the front desk for anyone; doctors do not book."""

    message = "Only patients and the front desk book tokens."

    def has_permission(self, request, view):
        return may_book(request.user)


def allows(act: Act) -> type[BasePermission]:
    """A permission class for an endpoint that does ``act``: the roles of the one matrix
    (``accounts.roles``), which the admin site also reads."""

    class Allows(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view):
            return may(request.user, act)

    Allows.__name__ = f"Allows_{act.value}"
    return Allows
