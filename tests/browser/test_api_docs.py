"""A developer on the hospital network, with no internet access, opens the API's Swagger UI."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_works_without_internet_access(new_page, live_server, shoot):
    site = urlsplit(live_server.url).netloc
    blocked = []
    problems = []

    def only_this_site(route):
        if urlsplit(route.request.url).netloc == site:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page = new_page()
    page.route("**/*", only_this_site)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/api/v1/docs/")

    expect(page.locator(".info .title")).to_contain_text("OPD Token API")
    booking = page.locator(".opblock-post", has_text="/api/v1/tokens").first
    expect(booking).to_be_visible()
    booking.locator(".opblock-summary").click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    shoot(page, "18-api-docs-offline")

    assert blocked == []
    assert problems == []
