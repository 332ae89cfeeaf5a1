"""Real Chromium (Debian's /usr/bin/chromium) driving the live server in this process.

The live server runs in a thread of the test process, so the project's clock is frozen for
both with ``opd_site.clock.set_source``. Playwright's sync API runs an event loop, which makes
Django refuse ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
"""

import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from opd_site import clock as opd_clock
from tests.fixtures.clinic import Clinic

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# Monday 2 March 2026, 09:10: ten minutes into the first morning slot.
MORNING = datetime(2026, 3, 2, 9, 10, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(scope="package", autouse=True)
def allow_orm_beside_playwright():
    """Only while browser tests run: other tests' subprocesses must not inherit it."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests; Playwright's event loop ends with them."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def frozen_morning():
    """Freeze the project's clock at 09:10 for the test and the live server alike."""
    frozen = opd_clock.FrozenClock(MORNING)
    opd_clock.set_source(frozen)
    yield frozen
    opd_clock.reset()


@pytest.fixture
def clinic(frozen_morning):
    return Clinic()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (each its own cookies) against the live server."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shoot():
    """Save a full-page screenshot under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


# The screens the product is used on: the front desk's monitor, the waiting hall's TV, a phone.
SCREEN_SIZES = {"desk": (1366, 768), "tv": (1920, 1080), "phone": (390, 844)}


@pytest.fixture
def shoot_sizes(shoot):
    """Save the page at the desk, TV and phone sizes: ``<name>-desk.png`` and so on."""

    def save(page, name: str) -> list[Path]:
        original = page.viewport_size
        paths = []
        for label, (width, height) in SCREEN_SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            paths.append(shoot(page, f"{name}-{label}"))
        if original:
            page.set_viewport_size(original)
        return paths

    return save


def sign_in(page, email: str, password: str) -> None:
    page.goto("/desk/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
