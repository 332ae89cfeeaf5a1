"""Test-run environment, set before Django reads its settings.

pytest-django would read settings named in pyproject.toml before this file is imported, so the
settings module is named here instead, after ``OPD_TESTING`` (development secret key, fast
password hasher, no HTTPS redirect).
"""

import os

os.environ.setdefault("OPD_TESTING", "yes")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opd_site.settings")

import django  # after the environment above

django.setup()
