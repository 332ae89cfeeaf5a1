"""The production settings with the HTTP floor's view added; the bench's gunicorn uses it
for the HTTP floor phase only (``DJANGO_SETTINGS_MODULE=bench.floor_settings``)."""

from opd_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
