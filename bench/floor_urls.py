"""The site's URL conf plus the HTTP floor's booking view (``bench.floor_settings`` only)."""

from django.urls import path

from bench.floor_views import FloorReadApi, FloorTokenApi
from opd_site import urls as site

FLOOR_TOKENS_PATH = "/bench/floor-tokens"
FLOOR_READ_PATH = "/bench/floor-read"

urlpatterns = [
    path(FLOOR_TOKENS_PATH.lstrip("/"), FloorTokenApi.as_view(), name="bench-floor-tokens"),
    path(FLOOR_READ_PATH.lstrip("/"), FloorReadApi.as_view(), name="bench-floor-read"),
    *site.urlpatterns,
]

handler400 = site.handler400
handler404 = site.handler404
handler500 = site.handler500
