"""A receptionist books a walk-in in the admin site, reads where it landed, and goes on to the
desk's overview through the same site's navigation."""

import re

import pytest
from playwright.sync_api import expect

from scheduling.models import Token
from tests.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receptionist_books_a_walk_in_in_the_admin_and_goes_to_the_desk(
    new_page, clinic, receptionist, shoot_sizes
):
    PatientFactory(name="Meera Iyer", phone="+919876500042")
    page = new_page()

    page.goto("/admin/login/?next=/admin/scheduling/token/")
    page.get_by_label("Email").fill(receptionist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Add token").click()
    expect(page.get_by_role("heading", name="Book a token")).to_be_visible()

    # The patient is found by searching, as in any admin autocomplete.
    page.locator(".field-patient .select2-selection").click()
    page.locator(".select2-search__field").fill("Meera")
    page.locator(".select2-results__option", has_text="Meera Iyer").click()
    page.get_by_label("Doctor").select_option(label="Dr Asha Rao")
    page.get_by_label("Kind of token").select_option("walk_in")
    page.get_by_label("Reason or note (optional)").fill("Fever")
    shoot_sizes(page, "admin-book-token")
    page.get_by_role("button", name="Book").click()

    token = Token.objects.get(patient__name="Meera Iyer")
    expect(page.locator(".messagelist")).to_contain_text(
        f"Token {token.display_number} seated in Mon 02 Mar 09:00-10:00."
    )
    expect(page.get_by_role("link", name="Print the slip")).to_be_visible()
    shoot_sizes(page, "admin-booked")

    page.get_by_role("link", name="Today's overview").click()
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()
    expect(page.locator(".site-header .brand")).to_contain_text("Front desk")
