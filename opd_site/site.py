"""The site's own address, for links that leave the page (a slip's QR code, an API answer's
``status_url``): ``SITE_URL`` when the deployment sets it, else the address the request came by."""

from django.conf import settings
from django.http import HttpRequest


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    base = settings.SITE_URL.rstrip("/")
    if base or request is None:
        return base + path
    return request.build_absolute_uri(path)
