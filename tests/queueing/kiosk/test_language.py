"""The kiosk speaks the patient's language: the browser's, the one chosen, the record's."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    page = response.content.decode()
    start = page.index("<html lang=") + len('<html lang="')
    return page[start : page.index('"', start)]


def test_page_follows_the_activated_language(client, kiosk_url):
    with translation.override("hi"):
        response = client.get(kiosk_url, HTTP_ACCEPT_LANGUAGE="hi")
    assert html_lang(response) == "hi"


def test_page_is_english_by_default(client, kiosk_url):
    assert html_lang(client.get(kiosk_url, HTTP_ACCEPT_LANGUAGE="en")) == "en-gb"


def test_language_chosen_at_the_kiosk_lasts_for_that_patient_only(client, kiosk_url, try_kiosk):
    with translation.override("en-gb"):
        chosen = client.get(kiosk_url, {"lang": "hi"})
        refused = try_kiosk("zzzzzzzzzzzz", "1234", lang="hi")
        after = client.get(kiosk_url)
    assert html_lang(chosen) == "hi"
    assert 'name="lang" value="hi"' in chosen.content.decode()
    assert html_lang(refused) == "hi"
    assert html_lang(after) == "en-gb"
    assert "django_language" not in client.cookies


def test_unknown_language_choice_is_ignored(client, kiosk_url):
    with translation.override("en-gb"):
        assert html_lang(client.get(kiosk_url, {"lang": "xx"})) == "en-gb"


def test_checked_in_page_speaks_the_patients_preferred_language(try_kiosk, token):
    token.patient.preferred_language = "hi"
    token.patient.save(update_fields=["preferred_language"])
    with translation.override("en-gb"):
        response = try_kiosk(token.reference, "2345")
    assert response.status_code == 200
    assert html_lang(response) == "hi"
