"""Hot read paths run a fixed number of queries, however many tokens the day holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.fixtures.api import signed_in

# Including the query that loads the signed-in user from the access token.
LIMITS = {
    "token list": 3,  # user, count, page
    "token detail": 5,  # user, token, history, the day's queue, (detail re-read)
    "doctor slots": 5,  # doctor, its schedules, doctor-day, slots, seat counts
    "slot": 3,  # slot, its day's slots, seat counts
    "queue": 2,  # today's doctor-day with its doctor, the day's queued tokens
    "public status": 2,  # token, the day's queue
    "waiting list": 3,  # user, count, page with positions
}


@pytest.fixture(autouse=True)
def recent_days_read(hospital):
    """The hospital's recent no-shows, which estimates use, are read once per quarter hour per
    process (``scheduling.estimates.history``): counted here as a warm worker runs."""
    from scheduling.estimates import history

    history()


def fill_day(hospital, tokens: int):
    slots = hospital.slots()
    for index in range(tokens):
        token = hospital.token(patient=factories.PatientFactory(), slot=slots[index % len(slots)])
        if index % 3 == 0:
            factories.WaitingEntryFactory(doctor_day=hospital.doctor_day(), patient=token.patient)
    return token


def requests_for(hospital, token):
    slot = hospital.slots()[0]
    doctor = hospital.doctor.id
    return {
        "token list": (hospital.receptionist, "/api/v1/tokens", {}),
        "token detail": (hospital.receptionist, f"/api/v1/tokens/{token.id}", {}),
        "doctor slots": (None, f"/api/v1/doctors/{doctor}/slots", {}),
        "slot": (None, f"/api/v1/slots/{slot.id}", {}),
        "queue": (None, f"/api/v1/doctors/{doctor}/queue", {}),
        "public status": (None, f"/api/v1/token-status/{token.reference}", {}),
        "waiting list": (hospital.receptionist, "/api/v1/waiting", {}),
    }


def count_queries(hospital, token) -> dict[str, int]:
    counts = {}
    for name, (user, path, query) in requests_for(hospital, token).items():
        client = signed_in(user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, query)
        assert response.status_code == 200, (name, response.content)
        counts[name] = len(captured)
    return counts


@pytest.mark.parametrize("endpoint", sorted(LIMITS))
def test_reads_stay_within_their_query_budget(hospital, endpoint, django_assert_max_num_queries):
    for tokens in (2, 30):
        token = fill_day(hospital, tokens if tokens == 2 else tokens - 2)
        user, path, query = requests_for(hospital, token)[endpoint]
        client = signed_in(user)
        with django_assert_max_num_queries(LIMITS[endpoint]):
            assert client.get(path, query).status_code == 200


def test_query_counts_do_not_grow_with_the_number_of_tokens(hospital):
    few = count_queries(hospital, fill_day(hospital, 2))
    many = count_queries(hospital, fill_day(hospital, 28))

    assert few == many


# User with their patient record, doctor (with the end of their last leave: a day after it
# needs no leave check); BEGIN, the doctor-day locked with its version moved and the token's
# number taken (one statement on PostgreSQL, which sets the lock timeout in it too; SQLite reads
# the doctor after), places already held, seats, the day's queue (for the expected call the
# patient is told, written with the token), token, event, COMMIT. The answer reads nothing
# more: it shows the event and the place in the queue the engine just wrote and read.
# User, doctor; in the transaction (BEGIN and COMMIT counted): the day locked with its number
# taken, the day read (seats, the patient's place, the queue), token, event. SQLite takes the
# lock in one more statement.
BOOKING_LIMIT = {"postgresql": 8, "sqlite": 9}


def test_a_booking_costs_the_same_bounded_queries_on_a_quiet_or_a_busy_day(
    hospital, django_assert_max_num_queries
):
    from opd_site import clock as opd_clock

    counts = []
    for tokens in (2, 10):  # both bookings still find a seat in the first slot
        fill_day(hospital, tokens)
        user = factories.UserFactory()
        factories.PatientFactory(user=user)
        client = signed_in(user)
        with django_assert_max_num_queries(BOOKING_LIMIT[connection.vendor]) as captured:
            response = client.post(
                "/api/v1/tokens",
                {
                    "doctor": hospital.doctor.id,
                    "date": opd_clock.today().isoformat(),
                    "source": "online",
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        counts.append(len(captured))

    assert counts[0] == counts[1]
