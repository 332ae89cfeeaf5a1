"""HTML pages carry a Content-Security-Policy and the other browser protections."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

HTML_PAGES = ["/admin/login/", "/desk/login/"]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_carry_the_security_headers(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "base-uri 'self'" in csp
    assert "form-action 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_session_cookie_is_out_of_reach_of_page_scripts(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin_user.email, "password": factories.PASSWORD},
    )

    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_a_signed_in_page_cannot_be_framed(admin_client):
    response = admin_client.get("/admin/")

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
