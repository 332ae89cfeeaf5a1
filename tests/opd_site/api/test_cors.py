"""Browser clients of the API from an allowed origin get the CORS headers."""

from django.test import override_settings

from tests.fixtures.api import signed_in


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.hospital.example"])
def test_an_allowed_origin_gets_the_cors_headers(db):
    allowed = signed_in(None).get("/api/v1/departments", HTTP_ORIGIN="https://app.hospital.example")
    preflight = signed_in(None).options(
        "/api/v1/tokens",
        HTTP_ORIGIN="https://app.hospital.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    other = signed_in(None).get("/api/v1/departments", HTTP_ORIGIN="https://evil.example")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.hospital.example"
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://app.hospital.example"
    assert "authorization" in preflight["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Origin" not in other
