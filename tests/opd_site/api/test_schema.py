"""The OpenAPI schema: valid without a warning, complete, and served with its Swagger UI."""

import base64
import hashlib
from html.parser import HTMLParser

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.fixtures.api import signed_in

# api.md's contract: every one of these must be in the schema (more may be).
CONTRACT = {
    ("post", "auth/register"),
    ("post", "auth/login"),
    ("post", "auth/refresh"),
    ("post", "auth/logout"),
    ("get", "auth/profile"),
    ("patch", "auth/profile"),
    ("post", "auth/change-password"),
    ("get", "departments"),
    ("get", "doctors"),
    ("post", "doctors"),
    ("get", "doctors/{id}"),
    ("patch", "doctors/{id}"),
    ("post", "doctors/{id}/availability"),
    ("get", "doctors/{id}/slots"),
    ("get", "doctors/{id}/stats"),
    ("get", "doctors/{id}/queue"),
    ("post", "tokens"),
    ("get", "tokens"),
    ("get", "tokens/{id}"),
    ("post", "tokens/{id}/status"),
    ("get", "tokens/{id}/cancellation"),
    ("post", "tokens/{id}/cancel"),
    ("post", "tokens/{id}/refund"),
    ("post", "tokens/{id}/fast-track"),
    ("get", "token-status/{reference}"),
    ("get", "slots/{id}"),
    ("get", "slots/{id}/tokens"),
    ("post", "slots/{id}/cancel"),
    ("post", "slots/{id}/override"),
    ("get", "waiting"),
    ("get", "waiting/{id}"),
    ("post", "waiting/{id}/cancel"),
    ("get", "cancellations"),
    ("get", "cancellations/stats"),
    ("post", "emergencies"),
    ("get", "emergencies/current-slot"),
    ("get", "emergencies/stats"),
    ("get", "patients"),
    ("post", "patients"),
    ("get", "patients/{id}"),
    ("patch", "patients/{id}"),
    ("post", "tokens/{id}/payments"),
    ("post", "tokens/{id}/waive"),
    ("get", "payments/collection"),
    ("post", "refunds/{id}/status"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = signed_in(None).get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path.removeprefix("/api/v1/"), operation


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    assert yaml.safe_load((tmp_path / "schema.yml").read_text())["openapi"].startswith("3.")


def test_every_contract_endpoint_is_described(schema):
    assert {(method, path) for method, path, _ in operations(schema)} >= CONTRACT


def test_every_operation_has_a_summary_tag_and_documented_errors(schema):
    for method, path, operation in operations(schema):
        assert operation.get("summary"), (method, path)
        assert operation.get("tags"), (method, path)
        errors = {
            status: body
            for status, body in operation["responses"].items()
            if status.startswith("4")
        }
        assert errors, (method, path)
        for body in errors.values():
            assert body["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_writes_describe_their_request_bodies(schema):
    without_body = {"patients/{id}/clear-block", "doctors/{id}/call-next"}
    for method, path, operation in operations(schema):
        if method in ("post", "patch") and path not in without_body:
            assert "application/json" in operation["requestBody"]["content"], (method, path)


def test_signed_in_operations_declare_jwt_and_401(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    for method, path, operation in operations(schema):
        if operation.get("security") == [{"jwtAuth": []}]:
            assert "401" in operation["responses"], (method, path)


def test_enums_are_named_components(schema):
    components = schema["components"]["schemas"]
    assert components["SourceEnum"]["enum"] == [
        "emergency",
        "priority",
        "follow_up",
        "online",
        "walk_in",
    ]
    assert "TokenStatusEnum" in components
    assert "WaitingStatusEnum" in components
    assert components["Error"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }


def test_the_booking_operation_documents_201_202_and_the_idempotency_key(schema):
    booking = schema["paths"]["/api/v1/tokens"]["post"]

    assert {"201", "202", "409", "429", "503"} <= set(booking["responses"])
    assert any(parameter["name"] == "Idempotency-Key" for parameter in booking["parameters"])
    assert booking["requestBody"]["content"]["application/json"]["examples"]


class _PageAssets(HTMLParser):
    """The script and stylesheet URLs a page loads, and its inline <script>/<style> bodies."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag in self.inline:
            self._open = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.inline[self._open][-1] += data


def _docs_page():
    response = signed_in(None).get("/api/v1/docs/")
    assert response.status_code == 200
    assets = _PageAssets()
    assets.feed(response.content.decode())
    return response, assets


def _csp_sources(policy: str) -> set[str]:
    return {
        source
        for directive in policy.split(";")
        if directive.strip()
        for source in directive.split()[1:]
    }


def _sha256(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def test_swagger_ui_names_no_external_host(db):
    response, assets = _docs_page()
    html = response.content.decode()

    assert 'id="swagger-ui"' in html
    assert "cdn.jsdelivr.net" not in html
    assert "https://" not in html
    assert "http://" not in html
    assert assets.urls
    assert all(url.startswith("/") and not url.startswith("//") for url in assets.urls)


def test_swagger_ui_policy_allows_only_its_own_site(db):
    response, assets = _docs_page()
    policy = response["Content-Security-Policy"]
    inline_style_hashes = {_sha256(style) for style in assets.inline["style"]}

    assert _csp_sources(policy) == {"'self'", "'none'", "data:"} | inline_style_hashes
    assert "script-src 'self';" in policy
    # Nothing runs inline: the start-up script is a same-origin request of its own.
    assert not any(script.strip() for script in assets.inline["script"])


def test_every_swagger_ui_asset_is_served_by_the_site(db):
    _, assets = _docs_page()
    client = signed_in(None)

    # Tests do not serve /static/ (WhiteNoise reads STATIC_ROOT, which collectstatic fills in
    # production): a static URL counts when the static file finders resolve it.
    static_urls = [url for url in assets.urls if url.startswith(settings.STATIC_URL)]
    own_urls = [url for url in assets.urls if not url.startswith(settings.STATIC_URL)]
    assert {url.rsplit("/", 1)[-1] for url in static_urls} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    }
    for url in static_urls:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url
    assert own_urls == ["/api/v1/docs/?script="]
    script = client.get(own_urls[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    assert b"/api/v1/schema/" in script.content
