"""The desk sees a printed slip that no longer matches its token, and reprints it."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from scheduling.models import Token
from scheduling.services.delay import set_delay
from scheduling.services.slips import record_slip_printed

pytestmark = pytest.mark.django_db

FLAG = "Slip out of date — reprint"


def printed(token) -> Token:
    record_slip_printed(token=token)
    return Token.objects.get(pk=token.pk)


def token_page(client, token) -> str:
    return client.get(reverse("desk:token", args=[token.reference])).content.decode()


def test_the_token_page_flags_a_printed_slip_a_delay_made_wrong(desk_client, clinic, morning):
    token = printed(clinic.book())
    assert FLAG not in token_page(desk_client, token)

    set_delay(doctor=clinic.doctor, minutes=20)

    page = token_page(desk_client, token)
    assert FLAG in page
    reprint = reverse("desk:slip", args=[token.reference]) + "?print=1"
    assert f'href="{reprint}"' in page


def test_printing_the_slip_again_clears_the_flag(desk_client, clinic, morning):
    token = printed(clinic.book())
    set_delay(doctor=clinic.doctor, minutes=20)
    slip = desk_client.get(reverse("desk:slip", args=[token.reference]), {"print": "1"})
    assert f'name="slot" value="{token.slot_id}"' in slip.content.decode()
    assert 'name="delay" value="20"' in slip.content.decode()

    response = desk_client.post(
        reverse("desk:slip_printed", args=[token.reference]),
        {"slot": token.slot_id, "delay": 20},
    )

    assert response.status_code == 204
    assert FLAG not in token_page(desk_client, token)
    assert not Token.objects.get(pk=token.pk).reprint_needed


def test_a_slip_drawn_before_the_delay_does_not_clear_the_flag(desk_client, clinic, morning):
    token = printed(clinic.book())
    set_delay(doctor=clinic.doctor, minutes=20)

    desk_client.post(
        reverse("desk:slip_printed", args=[token.reference]), {"slot": token.slot_id, "delay": 0}
    )

    token = Token.objects.get(pk=token.pk)
    assert token.reprint_needed
    assert token.slip_printed_at is not None


def test_only_the_front_desk_records_a_print(client, clinic, morning):
    token = clinic.book()
    url = reverse("desk:slip_printed", args=[token.reference])
    assert client.post(url).status_code == 302  # to the sign-in page
    client.force_login(clinic.doctor.user)
    assert client.post(url).status_code == 403
    assert Token.objects.get(pk=token.pk).slip_printed_at is None


def test_recording_a_print_is_a_post_with_sane_fields(desk_client, clinic, morning):
    token = clinic.book()
    url = reverse("desk:slip_printed", args=[token.reference])
    assert desk_client.get(url).status_code == 405
    assert desk_client.post(url, {"slot": "nine"}).status_code == 400
    assert desk_client.post(reverse("desk:slip_printed", args=["nosuchtoken1"])).status_code == 404
    assert Token.objects.get(pk=token.pk).slip_printed_at is None


def test_the_flag_partial_shows_only_for_tokens_that_need_a_reprint(clinic, morning):
    token = printed(clinic.book())
    assert render_to_string("desk/partials/reprint_flag.html", {"token": token}).strip() == ""
    set_delay(doctor=clinic.doctor, minutes=10)
    token = Token.objects.select_related("doctor_day__doctor").get(pk=token.pk)
    html = render_to_string("desk/partials/reprint_flag.html", {"token": token})
    assert FLAG in html
    assert "CARD1-001" in html
