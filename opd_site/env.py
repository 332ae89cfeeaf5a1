"""Typed readers for settings taken from the environment.

Each raises ``ImproperlyConfigured`` on a value it does not understand instead of guessing.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of yes/no/true/false/1/0, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, *, required: bool = False) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (mounted secrets)."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if not value and path:
        try:
            with open(path, encoding="utf-8") as handle:
                value = handle.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    if required and not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off (or set {name}_FILE to a file holding it). "
            "For local development set DEBUG=yes."
        )
    return value or None
