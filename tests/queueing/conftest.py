"""The engine's fixtures (a frozen Monday's doctor-day, outboxes) for the waiting-list tests."""

from tests.scheduling.conftest import day, outboxes  # noqa: F401 - re-exported fixtures
