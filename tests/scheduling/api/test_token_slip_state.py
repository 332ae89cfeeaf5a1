"""A token's answer says when its slip was printed and whether it needs reprinting."""

import pytest

from scheduling.services.delay import set_delay
from scheduling.services.slips import record_slip_printed
from tests.fixtures.api import signed_in

pytestmark = pytest.mark.django_db


def test_the_token_answer_carries_the_reprint_flag(clinic, receptionist, clock):
    token = clinic.book()
    desk = signed_in(receptionist)
    answer = desk.get(f"/api/v1/tokens/{token.pk}").json()
    assert (answer["slip_printed_at"], answer["reprint_needed"]) == (None, False)

    record_slip_printed(token=token)
    set_delay(doctor=clinic.doctor, minutes=25)

    answer = desk.get(f"/api/v1/tokens/{token.pk}").json()
    assert answer["slip_printed_at"] == clock.at.isoformat()
    assert answer["reprint_needed"] is True
    listed = desk.get("/api/v1/tokens", {"doctor": clinic.doctor.pk}).json()["results"]
    assert [row["reprint_needed"] for row in listed] == [True]
