"""Typed readers for settings taken from the environment.

Each raises ``ImproperlyConfigured`` on a value it does not understand instead of guessing.
"""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

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


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {raw!r}")
    return value


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


def envbackend(name: str, *, console: str, development: bool) -> str:
    """A delivery backend's dotted path: the console one by default in development only.

    With ``DEBUG`` off a console backend would mark every message sent while sending nothing, so
    the variable must name the backend; naming the console backend there is a deliberate choice.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if development:
        return console
    raise ImproperlyConfigured(
        f"{name} must be set when DEBUG is off: name the backend that delivers messages. "
        f"To print messages instead of sending them, set {name}={console} on purpose."
    )


def generated_secret(path: Path) -> str:
    """A random key kept in ``path``: made once (readable by its owner only), then read again.

    For development without a ``SECRET_KEY``: every install gets its own key, which survives
    restarts (sessions stay valid) and is never a value anyone else knows.
    """
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} cannot be read: {exc}. Set SECRET_KEY.") from None
    if existing:
        return existing
    try:
        descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise ImproperlyConfigured(f"cannot create {path}: {exc}. Set SECRET_KEY.") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
        with contextlib.suppress(FileExistsError):  # a process starting beside us won the race
            os.link(draft, path)  # atomic: the file appears whole, or not at all
    finally:
        os.unlink(draft)
    return path.read_text(encoding="utf-8").strip()
