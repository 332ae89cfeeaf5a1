"""How many wrong tries the kiosk allows: per client address and per token reference.

Counters live in Django's cache, as the API's throttles do (``CACHE_URL``: share one Redis
between workers), and the client's address is read the way the throttles and the sign-in
lockout read it (``opd_site.middleware.client_ip``, behind ``TRUSTED_PROXIES`` only). Only wrong
tries count: a kiosk checks in a whole waiting hall from one address.
"""

import hashlib

from django.core.cache import cache

from opd_site.middleware import client_ip

WINDOW_SECONDS = 15 * 60
WRONG_TRIES_PER_ADDRESS = 20
WRONG_TRIES_PER_REFERENCE = 5


def _key(kind: str, value: str) -> str:
    # Hashed: a reference is a secret and the cache key must be short and plain.
    return f"kiosk:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _address_key(request) -> str:
    return _key("address", client_ip(request) or "unknown")


def _reached(key: str, limit: int) -> bool:
    return cache.get(key, 0) >= limit


def _count(key: str) -> None:
    """One more wrong try in a window that starts with the first one."""
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)


def address_limited(request) -> bool:
    return _reached(_address_key(request), WRONG_TRIES_PER_ADDRESS)


def reference_locked(reference: str) -> bool:
    return _reached(_key("reference", reference), WRONG_TRIES_PER_REFERENCE)


def count_wrong_try(request, reference: str | None) -> None:
    """A reference and digits that did not match (whether or not the reference exists)."""
    _count(_address_key(request))
    if reference:
        _count(_key("reference", reference))
