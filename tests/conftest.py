"""Shared fixtures: a frozen clock, an API client and one user of each role.

Also two suite-wide rules: under ``CI=true`` a skipped test fails (CI has every service the suite
needs, so a skip there hides a missing install step), and tests marked ``postgres`` are
deselected, not skipped, when the suite runs on SQLite.
"""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Role
from opd_site import clock as opd_clock
from tests import factories

# Fixtures shared by several apps' tests (a small hospital, the desk's clinic, the engine's day).
pytest_plugins = [
    "tests.fixtures.api",
    "tests.fixtures.cache",
    "tests.fixtures.desk",
    "tests.fixtures.engine",
    "tests.fixtures.i18n",
    "tests.fixtures.ops",
]

# Monday 2 March 2026, 08:00 in the hospital's zone: before the first morning slot.
CLOCK_START = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


def _uses_postgresql() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def pytest_collection_modifyitems(config, items):
    """On SQLite, leave out the tests that need PostgreSQL (CI runs them on PostgreSQL)."""
    if _uses_postgresql():
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if not deselected:
        return
    items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    config.hook.pytest_deselected(items=deselected)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"note: {len(deselected)} test(s) marked postgres deselected: the database is "
            f"{settings.DATABASES['default']['ENGINE']}, not PostgreSQL"
        )


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _fail_skip_in_ci(report):
    if _in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"Skipped under CI=true, which counts as a failure. {_skip_reason(report)}"
        )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip (in setup or in the test itself) is a failure."""
    report = yield
    return _fail_skip_in_ci(report)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """Under CI=true a module skipped at import (``pytest.importorskip``) is a failure too."""
    report = yield
    return _fail_skip_in_ci(report)


@pytest.fixture(autouse=True)
def _fresh_estimate_history():
    """The estimator keeps its reading of recent days per process; each test reads its own."""
    from scheduling.estimates import forget_history

    forget_history()
    yield
    forget_history()


@pytest.fixture
def clock():
    """Freeze the project's clock at Monday 08:00; move it with ``clock.advance(minutes=...)``."""
    with opd_clock.frozen(CLOCK_START) as frozen:
        yield frozen


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def admin_user(db):
    """An administrator: role admin, staff and superuser."""
    return factories.UserFactory(
        email="admin@opd.example", name="Hospital Administrator", role=Role.ADMIN, is_superuser=True
    )


@pytest.fixture
def receptionist(db):
    """A receptionist with the front-desk group, as ``seed`` sets one up."""
    from queueing.management.commands.seed import front_desk_group

    user = factories.UserFactory(role=Role.RECEPTIONIST)
    user.groups.add(front_desk_group())
    return user


@pytest.fixture
def doctor_user(db):
    """A doctor's account; the doctor record is ``doctor_user.doctor``."""
    return factories.DoctorFactory().user


@pytest.fixture
def patient_user(db):
    """A patient's account; the patient record is ``patient_user.patient``."""
    user = factories.UserFactory(role=Role.PATIENT)
    factories.PatientFactory(user=user, name=user.name, email=user.email)
    return user
