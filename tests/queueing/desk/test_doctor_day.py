"""A doctor's day at the desk: every token by slot, the waiting list, and one-click actions that
go through the services and the permission matrix."""

import pytest
from django.urls import reverse

from scheduling.models import Source, Token, TokenStatus, WaitingEntry
from tests import factories
from tests.fixtures.clinic import Clinic
from tests.scheduling.helpers import book, make_day

pytestmark = pytest.mark.django_db


def day_url(clinic, day=None):
    if day is None:
        return reverse("desk:day", args=[clinic.doctor.pk])
    return reverse("desk:day", args=[clinic.doctor.pk, day.isoformat()])


def action(token, name):
    return reverse("desk:day_token_action", args=[token.reference, name])


def waiting_action(entry, name):
    return reverse("desk:day_waiting_action", args=[entry.reference, name])


def test_the_day_lists_every_token_by_slot_and_the_waiting_list(desk_client, clock):
    clinic = Clinic(capacity=1)
    first = clinic.book(name="Meera Iyer")
    clinic.book(name="Arjun Das")
    clinic.book(name="Farah Khan")
    waiting = clinic.book(name="Lakshmi Pillai", source=Source.ONLINE)
    assert isinstance(waiting, WaitingEntry)

    page = desk_client.get(day_url(clinic)).content.decode()

    assert "Dr Asha Rao" in page
    for name in ("Meera Iyer", "Arjun Das", "Farah Khan"):
        assert name in page
    first_slot, second_slot = page.index("09:00–10:00"), page.index("10:00–11:00")
    assert first_slot < page.index("CARD1-001") < second_slot
    assert second_slot < page.index("CARD1-002") < page.index("11:00–12:00")
    assert 'id="waiting"' in page
    waiting_part = page[page.index('id="waiting"') :]
    assert "Lakshmi Pillai" in waiting_part
    assert "Online" in waiting_part
    assert f"token-{first.reference}" in page


def test_the_day_of_a_date_and_today_are_the_same_page(desk_client, clinic):
    clinic.book(name="Meera Iyer")
    today = desk_client.get(day_url(clinic)).content.decode()
    dated = desk_client.get(day_url(clinic, clinic.doctor_day.date)).content.decode()
    assert "Meera Iyer" in today and "Meera Iyer" in dated


def test_a_day_without_slots_says_so(desk_client, clinic):
    tomorrow = clinic.doctor_day.date.replace(day=clinic.doctor_day.date.day + 1)
    page = desk_client.get(day_url(clinic, tomorrow)).content.decode()
    assert "no slots on this day" in page


def test_a_bad_date_or_an_unknown_doctor_is_not_found(desk_client, clinic):
    assert desk_client.get(f"/desk/day/{clinic.doctor.pk}/2026-02-30/").status_code == 404
    assert desk_client.get(f"/desk/day/{clinic.doctor.pk}/soon/").status_code == 404
    assert desk_client.get(reverse("desk:day", args=[987654])).status_code == 404


def test_the_rows_alone_refresh_in_place(desk_client, clinic):
    clinic.book(name="Meera Iyer")
    page = desk_client.get(day_url(clinic)).content.decode()
    rows_url = reverse("desk:day_rows", args=[clinic.doctor.pk, clinic.doctor_day.date.isoformat()])
    assert f'hx-get="{rows_url}"' in page
    assert 'hx-trigger="every' in page
    rows = desk_client.get(rows_url).content.decode()
    assert "Meera Iyer" in rows
    assert "<html" not in rows


def test_check_in_is_one_click_and_returns_to_the_row(desk_client, clinic, morning):
    token = clinic.book(name="Meera Iyer")
    response = desk_client.post(action(token, "check-in"))
    assert response.status_code == 302
    assert response["Location"] == day_url(clinic, clinic.doctor_day.date) + (
        f"#token-{token.reference}"
    )
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN
    page = desk_client.get(day_url(clinic)).content.decode()
    assert "CARD1-001 checked in." in page
    assert f"Check in {token.display_number}" not in page  # the button is gone


def test_no_show_is_refused_too_early_and_not_offered(desk_client, clinic, morning):
    token = clinic.book()
    page = desk_client.get(day_url(clinic)).content.decode()
    assert f"Mark {token.display_number} no-show" not in page

    response = desk_client.post(action(token, "no-show"), follow=True)
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED
    assert "can be marked a no-show from 09:15" in response.content.decode()


def test_no_show_is_offered_and_works_after_the_grace(desk_client, clinic, morning):
    token = clinic.book()
    morning.set(morning.at.replace(minute=20))
    page = desk_client.get(day_url(clinic)).content.decode()
    assert f"Mark {token.display_number} no-show" in page
    desk_client.post(action(token, "no-show"))
    token.refresh_from_db()
    assert token.status == TokenStatus.NO_SHOW


def test_cancel_without_confirmation_does_nothing(desk_client, clinic):
    token = clinic.book()
    page = desk_client.get(day_url(clinic)).content.decode()
    confirm_url = reverse("desk:token_cancel", args=[token.reference])
    assert f'href="{confirm_url}?next=' in page  # a link to the confirmation, not a button

    asked = desk_client.get(confirm_url)
    assert "Yes, cancel the token" in asked.content.decode()
    unconfirmed = desk_client.post(confirm_url, {"reason": "Patient phoned"})
    assert unconfirmed.status_code == 200
    assert "Yes, cancel the token" in unconfirmed.content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


def test_confirmed_cancel_returns_to_the_day_and_names_who_got_the_seat(desk_client, clock):
    clinic = Clinic(capacity=1)
    first = clinic.book()
    clinic.book()
    clinic.book()
    waiting = clinic.book(name="Lakshmi Pillai")
    back = day_url(clinic, clinic.doctor_day.date)
    response = desk_client.post(
        reverse("desk:token_cancel", args=[first.reference]),
        {"reason": "Patient phoned", "confirm": "yes", "next": back},
    )
    assert response["Location"] == back
    waiting.refresh_from_db()
    promoted = Token.objects.select_related("doctor_day__doctor").get(pk=waiting.allocated_token_id)
    page = desk_client.get(back).content.decode()
    assert (
        f"CARD1-001 cancelled; seat given to token {promoted.display_number} "
        "from the waiting list." in page
    )


def test_a_next_address_off_the_site_is_ignored(desk_client, clinic):
    token = clinic.book()
    response = desk_client.post(
        reverse("desk:token_cancel", args=[token.reference]),
        {"reason": "Patient phoned", "confirm": "yes", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("desk:token", args=[token.reference])


def test_a_token_owing_its_fee_links_to_the_payment(desk_client, clinic):
    token = clinic.book(source=Source.PRIORITY)
    page = desk_client.get(day_url(clinic)).content.decode()
    assert "500.00 owed" in page
    assert f'href="{reverse("desk:token", args=[token.reference])}#pay-title"' in page


def test_a_token_whose_slip_is_out_of_date_is_flagged(desk_client, clinic):
    token = clinic.book()
    other = clinic.book()
    page = desk_client.get(day_url(clinic)).content.decode()
    assert 'data-testid="reprint-needed"' not in page
    Token.objects.filter(pk=token.pk).update(reprint_needed=True)
    page = desk_client.get(day_url(clinic)).content.decode()
    assert page.count('data-testid="reprint-needed"') == 1
    row = page[page.index(f'id="token-{token.reference}"') :]
    assert row.index("Reprint slip") < row.index(f'id="token-{other.reference}"')
    assert reverse("desk:slip", args=[token.reference]) in row


def reserve_day(clock):
    """One 11:00 slot of two seats, one kept for walk-ins until 10:00: an online patient sits,
    a walk-in takes the reserve, a second online patient waits."""
    day = make_day(hours=(11,), capacity=2, walk_in_reserve=1)
    book(day, Source.ONLINE)
    walk_in = book(day, Source.WALK_IN).token
    entry = book(day, Source.ONLINE, patient=factories.PatientFactory(name="Lakshmi Pillai"))
    assert entry.waiting is not None
    return day, walk_in, entry.waiting


def test_a_freed_seat_nobody_waiting_may_take_is_said_to_be_free(desk_client, clock):
    _day, walk_in, entry = reserve_day(clock)
    response = desk_client.post(
        reverse("desk:token_cancel", args=[walk_in.reference]),
        {"reason": "Went home", "confirm": "yes"},
        follow=True,
    )
    page = response.content.decode()
    assert f"{walk_in.display_number} cancelled; its seat is free" in page
    assert "from the waiting list" not in page
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.WAITING


def test_promote_seats_a_waiting_patient_once_a_seat_is_free_for_them(desk_client, clock):
    day, walk_in, entry = reserve_day(clock)
    desk_client.post(
        reverse("desk:token_cancel", args=[walk_in.reference]),
        {"reason": "Went home", "confirm": "yes"},
    )
    url = reverse("desk:day", args=[day.doctor.pk])
    assert "Seat Lakshmi Pillai now" not in desk_client.get(url).content.decode()
    refused = desk_client.post(waiting_action(entry, "promote"), follow=True)
    assert "No seat this waiting entry may take is free now." in refused.content.decode()
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.WAITING

    clock.set(clock.at.replace(hour=10))  # the walk-in reserve opens to everyone
    assert "Seat Lakshmi Pillai now" in desk_client.get(url).content.decode()
    response = desk_client.post(waiting_action(entry, "promote"), follow=True)
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.ALLOCATED
    token = Token.objects.select_related("doctor_day__doctor").get(pk=entry.allocated_token_id)
    assert f"Lakshmi Pillai is seated: token {token.display_number}, slot 11:00." in (
        response.content.decode()
    )


def test_remove_takes_the_patient_off_the_waiting_list(desk_client, clock):
    clinic = Clinic(capacity=1)
    for _ in range(3):
        clinic.book()
    entry = clinic.book(name="Lakshmi Pillai")
    response = desk_client.post(waiting_action(entry, "remove"), follow=True)
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.CANCELLED
    assert "Lakshmi Pillai left the waiting list." in response.content.decode()
    assert "Nobody is waiting." in response.content.decode()


def test_actions_need_post_and_known_names(desk_client, clinic, morning):
    token = clinic.book()
    assert desk_client.get(action(token, "check-in")).status_code == 405
    assert desk_client.post(action(token, "teleport")).status_code == 404
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED


@pytest.mark.parametrize("who", ["doctor", "patient"])
def test_doctors_and_patients_cannot_use_the_day_page(client, clock, patient_user, who):
    clinic = Clinic(capacity=1)
    token = clinic.book()
    clinic.book()
    clinic.book()
    entry = clinic.book()
    client.force_login(clinic.doctor.user if who == "doctor" else patient_user)
    day = clinic.doctor_day.date.isoformat()
    for url in (
        reverse("desk:day", args=[clinic.doctor.pk]),
        reverse("desk:day_rows", args=[clinic.doctor.pk, day]),
        reverse("desk:waiting_slip", args=[entry.reference]),
    ):
        assert client.get(url).status_code == 403, url
    for url in (
        action(token, "check-in"),
        waiting_action(entry, "promote"),
        waiting_action(entry, "remove"),
        reverse("desk:token_cancel", args=[token.reference]),
    ):
        assert client.post(url, {"reason": "x", "confirm": "yes"}).status_code == 403, url
    token.refresh_from_db()
    entry.refresh_from_db()
    assert token.status == TokenStatus.BOOKED
    assert entry.status == WaitingEntry.Status.WAITING


def test_signed_out_visitors_are_sent_to_sign_in(client, clinic):
    response = client.get(reverse("desk:day", args=[clinic.doctor.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def _fill(clinic, n, source=Source.ONLINE):
    for _ in range(n):
        clinic.book(source=source)


def test_the_day_page_query_count_does_not_grow_with_tokens(
    desk_client, clock, django_assert_max_num_queries
):
    clinic = Clinic(capacity=3)
    _fill(clinic, 2)
    with django_assert_max_num_queries(12) as few:
        assert desk_client.get(day_url(clinic)).status_code == 200
    _fill(clinic, 9)  # a full day
    _fill(clinic, 3, Source.PRIORITY)  # some owe a fee, some bump, some wait
    _fill(clinic, 4)  # a waiting list
    Token.objects.filter(doctor_day=clinic.doctor_day).update(reprint_needed=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = desk_client.get(day_url(clinic)).content.decode()
    assert page.count('data-testid="reprint-needed"') == 9
