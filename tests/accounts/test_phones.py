"""One phone, one normal form: however the desk types an Indian number, it is stored in E.164."""

import pytest
from django.core.exceptions import ValidationError

from accounts.phones import mask_phone, normalise_or_keep, normalise_phone, search_form


@pytest.mark.parametrize(
    "typed", ["09820134567", "9820134567", "+91 98201 34567", "+91-98201-34567"]
)
def test_the_ways_a_number_is_typed_are_one_number(typed):
    assert normalise_phone(typed) == "+919820134567"


def test_a_number_with_another_country_code_keeps_it():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


def test_the_default_region_comes_from_the_settings(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert normalise_phone("020 7946 0958") == "+442079460958"


@pytest.mark.parametrize("typed", ["12345", "98201", "not a phone", "+91 00000 00000", "9" * 40])
def test_what_is_not_a_number_is_refused_with_a_clear_message(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_phone(typed)
    assert refused.value.code == "invalid_phone"
    assert "valid phone number" in refused.value.messages[0]


def test_an_empty_phone_stays_empty():
    assert normalise_phone("  ") == ""


def test_stored_text_that_is_not_a_number_is_kept_as_it_was():
    assert normalise_or_keep("ext. 42") == "ext. 42"
    assert normalise_or_keep("098201 34567") == "+919820134567"


def test_a_search_reads_a_whole_number_but_not_a_name_or_a_fragment():
    assert search_form("0982 013 4567") == "+919820134567"
    assert search_form("98201") is None
    assert search_form("Asha Rao") is None


def test_a_masked_phone_shows_only_its_last_four_digits():
    assert mask_phone("+919820134567") == "+91 ••••••4567"
    assert "98201" not in mask_phone("+919820134567")
    assert mask_phone("") == ""
