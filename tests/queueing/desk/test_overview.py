"""The desk's overview of today: doctors by department, slot occupancy, waiting list, delay."""

import pytest
from django.urls import reverse

from queueing.services import call_next, check_in
from scheduling.models import Source, Token
from scheduling.services.delay import set_delay
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db


def test_overview_shows_each_slot_occupancy_against_capacity(desk_client, clinic):
    for _ in range(3):
        clinic.book(source=Source.ONLINE)
    page = desk_client.get(reverse("desk:overview")).content.decode()
    assert "Cardiology" in page
    assert "Dr Asha Rao" in page
    assert "3 of 4 seats booked" in page  # the 09:00 bar
    assert "0 of 4 seats booked" in page  # the later bars
    assert "<dt>Booked</dt><dd>3</dd>" in page
    assert "<dt>Free</dt><dd>9</dd>" in page  # one at 09:00, four at 10:00 and at 11:00


def test_overview_shows_the_waiting_list_and_the_delay(desk_client, clock):
    clinic = Clinic(capacity=1)
    for _ in range(5):
        clinic.book(source=Source.ONLINE)
    set_delay(doctor=clinic.doctor, minutes=20, reason="Ward round")
    page = desk_client.get(reverse("desk:overview")).content.decode()
    assert "3 waiting" in page  # two left over, one moved out by the delay
    assert "Running 20 min late" in page


def test_overview_groups_doctors_by_department(desk_client, clinic):
    other = factories.DoctorFactory(
        department=factories.DepartmentFactory(code="PAED", name="Paediatrics"),
        user__name="Vikram Shah",
    )
    factories.SlotFactory(doctor_day=factories.DoctorDayFactory(doctor=other), hour=9)
    page = desk_client.get(reverse("desk:overview")).content.decode()
    cards = page[page.index('class="overview-grid"') :]
    asha, vikram = cards.index("Dr Asha Rao"), cards.index("Dr Vikram Shah")
    assert asha < cards.index("Cardiology") < vikram < cards.index("Paediatrics")
    assert f'href="{reverse("board:board", args=["PAED"])}"' in page


def _fill(clinic, n):
    for _ in range(n):
        clinic.book(source=Source.ONLINE)


def test_overview_query_count_does_not_grow_with_tokens(
    desk_client, clock, django_assert_max_num_queries
):
    clinic = Clinic(capacity=3)
    _fill(clinic, 2)
    with django_assert_max_num_queries(8) as few:
        desk_client.get(reverse("desk:overview"))
    _fill(clinic, 12)  # full day, and a waiting list
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert desk_client.get(reverse("desk:overview")).status_code == 200


def test_each_card_shows_who_is_in_and_links_to_the_doctor_s_day(desk_client, clock):
    clinic = Clinic(capacity=1)
    for _ in range(3):
        clinic.book(source=Source.ONLINE)
    clinic.book(source=Source.ONLINE)  # waits
    clock.set(clock.at.replace(hour=9, minute=10))
    first, second = Token.objects.order_by("number")[:2]
    check_in(token=first)
    call_next(doctor=clinic.doctor)
    page = desk_client.get(reverse("desk:overview")).content.decode()
    day = reverse("desk:day", args=[clinic.doctor.pk])
    assert f'<a href="{day}">Dr Asha Rao</a>' in page
    assert f'href="{day}#waiting">1 waiting</a>' in page
    assert '<strong class="dc-number">CARD1-001</strong>' in page
    assert "<dt>Checked in</dt><dd>0</dd>" in page
    check_in(token=second)
    page = desk_client.get(reverse("desk:overview")).content.decode()
    assert "<dt>Checked in</dt><dd>1</dd>" in page
