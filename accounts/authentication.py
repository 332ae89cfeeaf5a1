"""Signing in to the API: SimpleJWT's access tokens, the user read with their patient record.

A patient who books for themselves needs their patient record; reading it with the user (a join
on the one query SimpleJWT makes anyway) saves one statement on every request they make. Every
signed-in request makes that read, so it is one hand-written statement (``opd_site.rows``):
building it through the ORM cost more than running it.
"""

import functools

from django.core.exceptions import ValidationError
from django.db import connection
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from accounts.models import Patient, User
from opd_site.rows import Part, read_one, select_list

_USER = Part.of("u", User)
_PATIENT = Part.of("p", Patient)


@functools.cache
def _user_sql() -> str:
    return (
        f"SELECT {select_list([_USER, _PATIENT])} FROM {_USER.table}"  # noqa: S608
        f" LEFT JOIN {_PATIENT.table} ON p.user_id = u.id WHERE u.id = %s"
    )


def _primary_key(value) -> int | None:
    """The id as the ORM's lookup would take it, or None for one no user can have."""
    field = User._meta.pk
    try:
        pk = field.to_python(value)
    except ValidationError:
        return None
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    if pk is None or (low is not None and pk < low) or (high is not None and pk > high):
        return None
    return pk


class _WithTheirPatient:
    """``get(id=...)``: the user, with ``user.patient`` read in the same statement (as
    ``select_related("patient")``: a user with no patient record raises on ``user.patient``)."""

    def get(self, *, id: int) -> User:
        pk = _primary_key(id)
        if pk is None:
            raise User.DoesNotExist
        read = read_one(_user_sql(), [pk], [_USER, _PATIENT])
        if read is None:
            raise User.DoesNotExist
        found, _ = read
        user = found["u"]
        User.patient.related.set_cached_value(user, found["p"])
        return user


class _UsersWithTheirPatient:
    """Where SimpleJWT looks the token's user up (its ``user_model``): the users, each read
    with the patient record linked to it, if any."""

    DoesNotExist = User.DoesNotExist
    objects = _WithTheirPatient()


class JWTAuthentication(SimpleJWTAuthentication):
    """SimpleJWT's authentication (the same checks: active user, password not changed since the
    token was issued), with the user's patient record read in the same query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithTheirPatient


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of this authentication: SimpleJWT's own."""

    target_class = "accounts.authentication.JWTAuthentication"
