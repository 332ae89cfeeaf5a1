"""The site-wide Content-Security-Policy runs scripts from the site's own files only.

No page needs an inline script or an ``on...=`` handler, so the policy does not allow them: a
patient name that slipped past escaping as ``<script>`` or ``onerror=`` would still not run.
"""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def script_sources(response) -> list[str]:
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    return directives["script-src"].split()


@pytest.mark.parametrize("path", ["/desk/login/", "/admin/login/"])
def test_public_pages_allow_no_inline_scripts(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert script_sources(response) == ["'self'"]


@pytest.mark.parametrize("path", ["/desk/", "/desk/patients/", "/admin/", "/admin/accounts/user/"])
def test_signed_in_pages_allow_no_inline_scripts(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 200
    assert script_sources(response) == ["'self'"]
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert EVENT_HANDLER.findall(re.sub(r"<script.*?</script>", "", html, flags=re.S)) == []


def test_no_template_carries_an_inline_script_or_an_event_handler():
    offending = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or EVENT_HANDLER.search(text):
            offending.append(str(template.relative_to(ROOT)))

    assert offending == []
