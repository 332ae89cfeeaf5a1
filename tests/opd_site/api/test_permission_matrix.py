"""Every endpoint × every role, from one table of the contract's "who" column.

"own" and "other" are relative to the objects in the paths: a patient's own token, waiting
entry and refund, and the doctor whose token, slot or profile it is. A patient asking for
another patient's object gets 404 (it does not exist for them); a role that may see an object
but not act on it gets 403. Every operation of the OpenAPI schema must appear in the table.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework_simplejwt.tokens import RefreshToken

from opd_site import clock as opd_clock
from scheduling.models import CancelledBy, Refund, Source, TokenStatus
from tests import factories
from tests.fixtures.api import Hospital, build_hospital, signed_in, tomorrow

ANON, P_OWN, P_OTHER, D_OWN, D_OTHER, DESK, ADMIN = (
    "anonymous",
    "patient-own",
    "patient-other",
    "doctor-own",
    "doctor-other",
    "receptionist",
    "admin",
)
ROLES = (ANON, P_OWN, P_OTHER, D_OWN, D_OTHER, DESK, ADMIN)


def who(anonymous, patient_own, patient_other, doctor_own, doctor_other, receptionist, admin):
    return dict(
        zip(
            ROLES,
            (anonymous, patient_own, patient_other, doctor_own, doctor_other, receptionist, admin),
            strict=True,
        )
    )


def everyone(status):
    return who(*(status,) * 7)


def signed_in_only(status):
    return who(401, *(status,) * 6)


def staff_only(status):
    return who(401, 403, 403, 403, 403, status, status)


@dataclass
class World:
    """The objects the paths name, all belonging to patient-own and doctor-own."""

    hospital: Hospital
    token: object = None
    paid_token: object = None
    refund: object = None
    waiting: object = None
    names: dict = field(default_factory=dict)


def build_world() -> World:
    hospital = build_hospital()
    slots = hospital.slots()
    world = World(hospital=hospital)
    world.token = hospital.token(slot=slots[1], fee=Decimal("300.00"))  # 300.00 owed
    world.paid_token = hospital.cancelled_paid_token()
    refunded = hospital.paid(
        hospital.token(
            slot=slots[2],
            source=Source.PRIORITY,
            fee=Decimal("500.00"),
            status=TokenStatus.CANCELLED,
            cancelled_by=CancelledBy.HOSPITAL,
            cancelled_at=opd_clock.now(),
        )
    )
    world.refund = Refund.objects.create(
        token=refunded, amount=refunded.fee, requested_at=opd_clock.now()
    )
    world.waiting = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(day=tomorrow()), patient=hospital.patient
    )
    world.names = {
        "token": world.token.id,
        "paid_token": world.paid_token.id,
        "reference": world.token.reference,
        "slot": slots[0].id,
        "doctor": hospital.doctor.id,
        "patient": hospital.patient.id,
        "waiting": world.waiting.id,
        "refund": world.refund.id,
    }
    return world


def user_for(world: World, role: str):
    hospital = world.hospital
    return {
        ANON: None,
        P_OWN: hospital.patient_user,
        P_OTHER: hospital.other_patient_user,
        D_OWN: hospital.doctor.user,
        D_OTHER: hospital.other_doctor.user,
        DESK: hospital.receptionist,
        ADMIN: hospital.admin,
    }[role]


def today():
    return opd_clock.today().isoformat()


@dataclass
class Case:
    method: str
    path: str
    expect: dict
    body: object = None  # a dict, or a function of (world, user) giving one
    query: dict | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


TABLE = [
    # Auth
    Case(
        "post",
        "auth/register",
        everyone(201),
        lambda w, u: {
            "name": "New Patient",
            "email": f"new-{u.id if u else 0}@example.com",
            "password": "a long passphrase",
        },
    ),
    Case(
        "post",
        "auth/login",
        everyone(200),
        lambda w, u: {
            "email": w.hospital.patient_user.email,
            "password": factories.PASSWORD,
        },
    ),
    Case(
        "post",
        "auth/refresh",
        everyone(200),
        lambda w, u: {
            "refresh": str(RefreshToken.for_user(w.hospital.patient_user)),
        },
    ),
    Case(
        "post",
        "auth/logout",
        signed_in_only(205),
        lambda w, u: {
            "refresh": str(RefreshToken.for_user(u)) if u else "x",
        },
    ),
    Case("get", "auth/profile", signed_in_only(200)),
    Case("patch", "auth/profile", signed_in_only(200), {"phone": "+919999999999"}),
    Case(
        "post",
        "auth/change-password",
        signed_in_only(200),
        {
            "old_password": factories.PASSWORD,
            "new_password": "another long phrase",
        },
    ),
    # Patients
    Case("get", "patients", staff_only(200), query={"search": "a"}),
    Case(
        "post",
        "patients",
        staff_only(201),
        {"name": "Walk-in Patient", "phone_missing_reason": "no_phone"},
    ),
    Case("get", "patients/{patient}", staff_only(200)),
    Case("patch", "patients/{patient}", staff_only(200), {"phone": "+919811111111"}),
    Case("post", "patients/{patient}/clear-block", staff_only(200)),
    Case(
        "post",
        "patients/{patient}/merge",
        staff_only(200),
        lambda w, u: {"into": factories.PatientFactory(name="Same Person").id},
    ),
    # Doctors
    Case("get", "departments", everyone(200)),
    Case("get", "doctors", everyone(200), query={"available": "true"}),
    Case(
        "post",
        "doctors",
        who(401, 403, 403, 403, 403, 403, 201),
        lambda w, u: {
            "name": "Dr New",
            "email": "dr.new@example.com",
            "department": w.hospital.department.id,
            "specialization": "Cardiologist",
            "license_number": "MCI-NEW",
            "token_prefix": "NEW1",
        },
    ),
    Case("get", "doctors/{doctor}", everyone(200)),
    Case("patch", "doctors/{doctor}", who(401, 403, 403, 200, 403, 403, 200), {"room": "B-12"}),
    Case(
        "post",
        "doctors/{doctor}/availability",
        who(401, 403, 403, 200, 403, 200, 200),
        {"is_available": True},
    ),
    Case("get", "doctors/{doctor}/slots", everyone(200), query={"date": "today"}),
    Case("get", "doctors/{doctor}/stats", who(401, 403, 403, 200, 403, 200, 200)),
    Case("get", "doctors/{doctor}/queue", everyone(200)),
    Case("post", "doctors/{doctor}/delay", who(401, 403, 403, 200, 403, 200, 200), {"minutes": 10}),
    # Nobody is checked in: an allowed caller meets an empty queue (409), a refused one 403.
    Case("post", "doctors/{doctor}/call-next", who(401, 403, 403, 409, 403, 409, 409)),
    # Tokens
    Case("get", "tokens", signed_in_only(200), query={"status": "booked"}),
    Case(
        "post",
        "tokens",
        who(401, 201, 403, 403, 403, 201, 201),
        lambda w, u: {
            "doctor": w.hospital.other_doctor.id,
            "date": today(),
            "source": "online",
            "patient": w.hospital.patient.id,
        },
    ),
    Case("get", "tokens/{token}", who(401, 200, 404, 200, 404, 200, 200)),
    Case(
        "post",
        "tokens/{token}/status",
        who(401, 403, 404, 200, 404, 200, 200),
        {"status": "checked_in"},
    ),
    Case("get", "tokens/{token}/cancellation", who(401, 200, 404, 403, 404, 200, 200)),
    Case(
        "post",
        "tokens/{token}/cancel",
        who(401, 200, 404, 403, 404, 200, 200),
        {"reason": "Plans changed"},
    ),
    Case("post", "tokens/{paid_token}/refund", who(401, 201, 404, 403, 404, 201, 201), {}),
    Case(
        "post",
        "tokens/{token}/fast-track",
        who(401, 403, 404, 403, 404, 200, 200),
        {"reason": "Collapsed"},
    ),
    Case("get", "token-status/{reference}", everyone(200)),
    # Slots
    Case("get", "slots/{slot}", everyone(200)),
    Case("get", "slots/{slot}/tokens", who(401, 403, 403, 200, 403, 200, 200)),
    Case("post", "slots/{slot}/cancel", staff_only(200), {"reason": "Doctor in theatre"}),
    Case(
        "post",
        "slots/{slot}/override",
        who(401, 403, 403, 403, 403, 403, 200),
        {"capacity": 8, "reason": "Extra"},
    ),
    # Waiting list
    Case("get", "waiting", signed_in_only(200)),
    Case("get", "waiting/{waiting}", who(401, 200, 404, 200, 404, 200, 200)),
    Case("post", "waiting/{waiting}/cancel", who(401, 200, 404, 403, 404, 200, 200), {}),
    # Cancellations, refunds, emergencies
    Case("get", "cancellations", signed_in_only(200)),
    Case("get", "cancellations/stats", staff_only(200)),
    Case("get", "refunds", signed_in_only(200)),
    Case("get", "refunds/{refund}", who(401, 200, 404, 404, 404, 200, 200)),
    # An administrator's act: the patient and the receptionist see the refund but may not decide.
    Case(
        "post",
        "refunds/{refund}/status",
        who(401, 403, 404, 404, 404, 403, 200),
        {"status": "approved"},
    ),
    # Payments
    Case(
        "post",
        "tokens/{token}/payments",
        who(401, 403, 404, 403, 404, 201, 201),
        {"amount": "300.00", "method": "cash", "reference": "R-1"},
    ),
    Case(
        "post",
        "tokens/{token}/waive",
        who(401, 403, 404, 403, 404, 403, 200),
        {"reason": "Hospital staff family"},
    ),
    Case("get", "payments/collection", staff_only(200), query={"date": "today"}),
    Case(
        "post",
        "emergencies",
        staff_only(201),
        lambda w, u: {
            "doctor": w.hospital.doctor.id,
            "patient": w.hospital.other_patient.id,
            "reason": "Chest pain",
        },
    ),
    Case("get", "emergencies/current-slot", everyone(200), query={"doctor": "{doctor}"}),
    Case("get", "emergencies/stats", staff_only(200)),
]


@pytest.mark.parametrize(
    ("case", "role"),
    [(case, role) for case in TABLE for role in ROLES],
    ids=[f"{case.name}-{role}" for case in TABLE for role in ROLES],
)
def test_contract_status_for_role(db, clock, case: Case, role: str):
    world = build_world()
    user = user_for(world, role)
    path = "/api/v1/" + case.path.format(**world.names)
    body = case.body(world, user) if callable(case.body) else case.body
    query = {
        key: (today() if value == "today" else value.format(**world.names))
        for key, value in (case.query or {}).items()
    }
    client = signed_in(user)
    if case.method == "get":
        response = client.get(path, query)
    else:
        response = getattr(client, case.method)(path, body, format="json")

    expected = case.expect[role]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method, re.sub(r"\{[^}]+\}", "{}", path.removeprefix("/api/v1/")))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_the_table_covers_every_operation_of_the_schema():
    table = {(case.method, re.sub(r"\{[^}]+\}", "{}", case.path)) for case in TABLE}

    assert table == schema_operations()
    assert len(TABLE) == len(table)
