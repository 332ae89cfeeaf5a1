"""Signing in to the API: SimpleJWT's access tokens, the user read with their patient record.

A patient who books for themselves needs their patient record; reading it with the user (a join
on the one query SimpleJWT makes anyway) saves one statement on every request they make.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from accounts.models import User


class _UsersWithTheirPatient:
    """Where SimpleJWT looks the token's user up (its ``user_model``): the users, each read
    with the patient record linked to it, if any."""

    DoesNotExist = User.DoesNotExist
    objects = User.objects.select_related("patient")


class JWTAuthentication(SimpleJWTAuthentication):
    """SimpleJWT's authentication (the same checks: active user, password not changed since the
    token was issued), with the user's patient record read in the same query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithTheirPatient


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of this authentication: SimpleJWT's own."""

    target_class = "accounts.authentication.JWTAuthentication"
