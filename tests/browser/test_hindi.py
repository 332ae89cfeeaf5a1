"""A Hindi reader in Chromium: the waiting-hall board and the token's status page in Hindi."""

import pytest
from playwright.sync_api import expect

from queueing.services import call_next, check_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hindi_page(browser, live_server):
    """A browser whose user reads Hindi (Accept-Language: hi)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="hi-IN",
        extra_http_headers={"Accept-Language": "hi"},
        viewport={"width": 1920, "height": 1080},
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_board_speaks_hindi_to_a_hindi_screen(hindi_page, clinic, shoot_sizes):
    tokens = [clinic.book(name=f"Patient {n}") for n in range(3)]
    for token in tokens:
        check_in(token=token)
    call_next(doctor=clinic.doctor)
    hindi_page.goto("/board/CARD/")
    expect(hindi_page.locator("html")).to_have_attribute("lang", "hi")
    expect(hindi_page.locator("table.board thead")).to_contain_text("अभी बारी")
    expect(hindi_page.locator("table.board thead")).to_contain_text("डॉक्टर")
    expect(hindi_page.locator(".board-number")).to_have_text("CARD1-001")
    shoot_sizes(hindi_page, "board-hindi")


def test_the_status_page_speaks_hindi(hindi_page, clinic, shoot_sizes):
    clinic.book()
    token = clinic.book()
    hindi_page.goto(f"/status/{token.reference}/")
    expect(hindi_page.locator("html")).to_have_attribute("lang", "hi")
    card = hindi_page.locator(".status-card")
    expect(card).to_contain_text("टोकन")
    expect(card).to_contain_text("अनुमानित प्रतीक्षा")
    expect(card).to_contain_text(token.display_number)
    shoot_sizes(hindi_page, "status-hindi")
