"""The Django admin works in Chromium under the site's Content-Security-Policy (no inline scripts).

An administrator signs in, opens the users' change list, selects a user (the admin's own script
counts the selection), runs an action up to its confirmation page, and changes a password; the
browser reports no Content-Security-Policy violation and no script error on the way.
"""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_runs_its_scripts_under_the_content_security_policy(new_page, admin_user, shoot):
    desk_user = factories.UserFactory(email="desk.two@opd.example", name="Desk Two")
    problems = []
    page = new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or message.text.startswith("Refused")
            else None
        ),
    )

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Email").fill(admin_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()

    page.goto("/admin/accounts/user/?q=desk.two")
    row = page.locator("#result_list tbody tr", has_text=desk_user.email)
    row.locator("input.action-select").check()
    expect(row).to_have_class("selected")  # admin/js/actions.js ran
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.locator("select[name=action]").select_option("delete_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("#content")).to_contain_text("Are you sure you want to delete")
    shoot(page, "19-admin-action-under-csp")
    page.get_by_role("link", name="No, take me back").click()
    expect(page.locator("#result_list")).to_be_visible()

    page.goto(f"/admin/accounts/user/{desk_user.pk}/password/")
    page.locator("#id_password1").fill("a-new-long-passphrase-42")
    page.locator("#id_password2").fill("a-new-long-passphrase-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".messagelist")).to_contain_text("Password changed successfully")

    assert problems == []
    desk_user.refresh_from_db()
    assert desk_user.check_password("a-new-long-passphrase-42")
