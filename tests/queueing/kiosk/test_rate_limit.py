"""Wrong tries are limited per token reference and per client address (429, a friendly page)."""

import pytest

from queueing.kiosk import limits
from scheduling.models import TokenStatus

pytestmark = pytest.mark.django_db

NGINX = "10.0.0.1"


def test_five_wrong_tries_lock_the_reference_even_for_the_right_digits(try_kiosk, token):
    for attempt in range(limits.WRONG_TRIES_PER_REFERENCE):
        assert (
            try_kiosk(token.reference, f"{attempt:04d}", address=f"10.1.0.{attempt}").status_code
            == 400
        )
    response = try_kiosk(token.reference, "2345", address="10.1.0.99")
    assert response.status_code == 429
    assert "This token is locked at the kiosk after too many wrong tries." in (
        response.content.decode()
    )
    assert response["Retry-After"] == str(limits.WINDOW_SECONDS)
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_an_unknown_reference_locks_just_like_a_real_one(try_kiosk):
    for _ in range(limits.WRONG_TRIES_PER_REFERENCE):
        try_kiosk("zzzzzzzzzzzz", "1234")
    assert try_kiosk("zzzzzzzzzzzz", "1234").status_code == 429


def test_other_references_are_not_locked_by_one(try_kiosk, token, clinic):
    for _ in range(limits.WRONG_TRIES_PER_REFERENCE):
        try_kiosk("zzzzzzzzzzzz", "1234", address="10.2.0.1")
    assert try_kiosk(token.reference, "2345", address="10.2.0.1").status_code == 200


def test_too_many_wrong_tries_from_one_address_get_429(try_kiosk, token):
    for attempt in range(limits.WRONG_TRIES_PER_ADDRESS):
        assert try_kiosk(f"unknown{attempt:05d}", "1234", address="10.3.0.1").status_code == 400
    response = try_kiosk(token.reference, "2345", address="10.3.0.1")
    assert response.status_code == 429
    assert "Too many wrong tries at this kiosk." in response.content.decode()
    # Another address is counted on its own.
    assert try_kiosk(token.reference, "2345", address="10.3.0.2").status_code == 200


def test_check_ins_that_succeed_do_not_count(try_kiosk, clinic, monkeypatch):
    monkeypatch.setattr(limits, "WRONG_TRIES_PER_ADDRESS", 3)
    for _ in range(2):
        try_kiosk("zzzzzzzzzzzz", "1234", address="10.4.0.1")
    for _ in range(5):
        token = clinic.book(phone="+919811112222")
        assert try_kiosk(token.reference, "2222", address="10.4.0.1").status_code == 200
    try_kiosk("zzzzzzzzzzzz", "1234", address="10.4.0.1")
    assert try_kiosk(token.reference, "2222", address="10.4.0.1").status_code == 429


def test_forwarded_for_is_ignored_without_trusted_proxies(try_kiosk, client, kiosk_url, token):
    for attempt in range(limits.WRONG_TRIES_PER_ADDRESS):
        client.post(
            kiosk_url,
            {"reference": f"unknown{attempt:05d}", "digits": "1234"},
            REMOTE_ADDR="10.5.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = client.post(
        kiosk_url,
        {"reference": token.reference, "digits": "2345"},
        REMOTE_ADDR="10.5.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_counts(client, kiosk_url, token, settings):
    settings.TRUSTED_PROXIES = 1
    for attempt in range(limits.WRONG_TRIES_PER_ADDRESS):
        client.post(
            kiosk_url,
            {"reference": f"unknown{attempt:05d}", "digits": "1234"},
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR=f"1.2.3.{attempt}, 198.51.100.7",  # forged part ignored
        )

    def post(forwarded):
        data = {"reference": token.reference, "digits": "2345"}
        return client.post(kiosk_url, data, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded)

    assert post("198.51.100.7").status_code == 429
    assert post("198.51.100.8").status_code == 200


def test_the_limited_page_is_friendly_and_clears_itself(try_kiosk, kiosk_url):
    for _ in range(limits.WRONG_TRIES_PER_REFERENCE):
        try_kiosk("zzzzzzzzzzzz", "1234")
    page = try_kiosk("zzzzzzzzzzzz", "1234").content.decode()
    assert "Please ask at the desk" in page
    assert f'http-equiv="refresh" content="45;url={kiosk_url}"' in page
