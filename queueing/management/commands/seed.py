"""A believable demo hospital: departments, doctors and their weeks, patients and demo logins.

Built with the hospital builder (``scheduling.hospital``). Idempotent: departments, accounts,
doctors and their weeks are found by their natural keys and updated, patients are added only
when missing, so running it again changes nothing but the demo passwords (set to
``--password`` each time).
"""

from collections import Counter
from dataclasses import replace
from datetime import date, time
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Patient, Role, Sex
from doctors.models import Doctor, DoctorLeave
from opd_site import clock
from scheduling.errors import DomainError
from scheduling.hospital import (
    AccountPlan,
    DepartmentPlan,
    DoctorPlan,
    PatientPlan,
    SessionPlan,
    add_accounts,
    add_departments,
    add_doctors,
    add_patients,
)
from scheduling.models import DoctorDay, Refund, Slot, Source, Token, TokenEvent, WaitingEntry
from scheduling.services.requests import request_token
from scheduling.services.slots import generate_slots

DEFAULT_PASSWORD = "opd-demo-2026"
SITE = "http://127.0.0.1:8000"
SLOT_DAYS = 14
FRONT_DESK = "Front desk"
ADMIN_EMAIL = "admin@opd.example"
RECEPTION_EMAIL = "reception@opd.example"
PATIENT_EMAIL = "patient@opd.example"

EDIT = ("view", "add", "change")
FRONT_DESK_PERMISSIONS = {
    Patient: EDIT,
    Token: EDIT,
    Slot: EDIT,
    DoctorDay: EDIT,
    WaitingEntry: EDIT,
    Refund: EDIT,
    Doctor: EDIT,
    DoctorLeave: EDIT,
    TokenEvent: ("view",),
}

STAFF_LOGINS = [
    AccountPlan(ADMIN_EMAIL, "Hospital Administrator", Role.ADMIN, superuser=True),
    AccountPlan(RECEPTION_EMAIL, "Sunita Pillai", Role.RECEPTIONIST, staff=True),
]

DEPARTMENTS = [
    DepartmentPlan("GEN", "General Medicine", "Ground floor, Block A"),
    DepartmentPlan("CARD", "Cardiology", "First floor, Block B"),
    DepartmentPlan("PAED", "Paediatrics", "Ground floor, Block C"),
    DepartmentPlan("ORTH", "Orthopaedics", "Second floor, Block B"),
    DepartmentPlan("DERM", "Dermatology", "First floor, Block A"),
    DepartmentPlan("ENT", "ENT", "Second floor, Block A"),
]

MON_SAT = (0, 1, 2, 3, 4, 5)
MON_WED_FRI = (0, 2, 4)
TUE_THU = (1, 3)
TUE_THU_SAT = (1, 3, 5)
MORNING = (time(9, 0), time(13, 0))
AFTERNOON = (time(14, 0), time(17, 0))
PRIORITY_FEE = Decimal("500")


def week(
    fee: Decimal, *sessions: tuple[tuple[int, ...], tuple[time, time], int]
) -> tuple[SessionPlan, ...]:
    """A demo doctor's week: (weekdays, hours, walk-in reserve) sessions of 60-minute slots."""
    return tuple(
        SessionPlan(
            weekdays=weekdays,
            start=start,
            end=end,
            slot_minutes=60,
            capacity=6,
            emergency_reserve=1,
            walk_in_reserve=walk_in_reserve,
            consultation_fee=fee,
            priority_fee=PRIORITY_FEE,
        )
        for weekdays, (start, end), walk_in_reserve in sessions
    )


DOCTORS = [
    DoctorPlan(
        name="Anjali Mehta",
        email="anjali.mehta@opd.example",
        department="GEN",
        specialization="General Physician",
        license_number="MMC-2011-04518",
        qualifications="MBBS, MD (Internal Medicine)",
        experience_years=14,
        room="A-101",
        token_prefix="GEN1",
        average_consultation_minutes=Decimal("9.00"),
        sessions=week(
            Decimal("300"), (MON_SAT, MORNING, 2), (MON_WED_FRI, AFTERNOON, 1), ((6,), MORNING, 1)
        ),
    ),
    DoctorPlan(
        name="Rajesh Iyer",
        email="rajesh.iyer@opd.example",
        department="GEN",
        specialization="Family Physician",
        license_number="TNMC-2008-61733",
        qualifications="MBBS, DNB (Family Medicine)",
        experience_years=17,
        room="A-102",
        token_prefix="GEN2",
        average_consultation_minutes=Decimal("10.00"),
        sessions=week(Decimal("300"), (MON_SAT, MORNING, 2), (MON_SAT, AFTERNOON, 1)),
    ),
    DoctorPlan(
        name="Vikram Nair",
        email="vikram.nair@opd.example",
        department="CARD",
        specialization="Interventional Cardiologist",
        license_number="KMC-2006-39127",
        qualifications="MBBS, MD (Medicine), DM (Cardiology)",
        experience_years=19,
        room="B-201",
        token_prefix="CARD1",
        average_consultation_minutes=Decimal("12.00"),
        sessions=week(Decimal("800"), (MON_SAT, MORNING, 1), (TUE_THU, AFTERNOON, 1)),
    ),
    DoctorPlan(
        name="Priya Sharma",
        email="priya.sharma@opd.example",
        department="PAED",
        specialization="Paediatrician",
        license_number="DMC-2013-77204",
        qualifications="MBBS, MD (Paediatrics)",
        experience_years=11,
        room="C-105",
        token_prefix="PAED1",
        average_consultation_minutes=Decimal("10.00"),
        sessions=week(Decimal("500"), (MON_SAT, MORNING, 2)),
    ),
    DoctorPlan(
        name="Arjun Reddy",
        email="arjun.reddy@opd.example",
        department="ORTH",
        specialization="Orthopaedic Surgeon",
        license_number="TSMC-2010-25861",
        qualifications="MBBS, MS (Orthopaedics)",
        experience_years=13,
        room="B-210",
        token_prefix="ORTH1",
        average_consultation_minutes=Decimal("11.00"),
        sessions=week(Decimal("600"), ((0, 2, 4, 5), MORNING, 1), (TUE_THU, AFTERNOON, 1)),
    ),
    DoctorPlan(
        name="Kavita Deshpande",
        email="kavita.deshpande@opd.example",
        department="DERM",
        specialization="Dermatologist",
        license_number="MMC-2014-50392",
        qualifications="MBBS, MD (Dermatology, Venereology and Leprosy)",
        experience_years=9,
        room="A-204",
        token_prefix="DERM1",
        average_consultation_minutes=Decimal("8.00"),
        sessions=week(Decimal("500"), (TUE_THU_SAT, MORNING, 1), (MON_WED_FRI, AFTERNOON, 1)),
    ),
    DoctorPlan(
        name="Sameer Khan",
        email="sameer.khan@opd.example",
        department="ENT",
        specialization="ENT Surgeon",
        license_number="UPMC-2012-18846",
        qualifications="MBBS, MS (ENT)",
        experience_years=12,
        room="A-210",
        token_prefix="ENT1",
        average_consultation_minutes=Decimal("10.00"),
        sessions=week(Decimal("500"), ((0, 1, 2, 3, 4), MORNING, 1)),
    ),
]

PATIENTS = [
    ("Aarav Patel", "+919820134567", date(1988, 4, 17), Sex.MALE),
    ("Diya Menon", "+919847201356", date(2017, 9, 2), Sex.FEMALE),
    ("Rohan Kulkarni", "+919922310478", None, Sex.MALE),
    ("Ishita Banerjee", "+919830456712", date(1994, 1, 25), Sex.FEMALE),
    ("Mohammed Irfan", "+919945612308", date(1979, 11, 8), Sex.MALE),
    ("Lakshmi Narayanan", "+919884023157", date(1956, 6, 30), Sex.FEMALE),
    ("Karan Malhotra", "+919811267430", None, Sex.MALE),
    ("Sneha Joshi", "+919890345126", date(1999, 3, 14), Sex.FEMALE),
    ("Aditya Verma", "+919415078236", None, Sex.MALE),
    ("Pooja Chatterjee", "+919433512870", date(1985, 12, 5), Sex.FEMALE),
    ("Harpreet Singh", "+919815640293", date(1972, 8, 19), Sex.MALE),
    ("Meera Krishnan", "+919745310682", None, Sex.FEMALE),
    ("Siddharth Rao", "+919886127054", date(2012, 2, 11), Sex.MALE),
    ("Fatima Sheikh", "+919967402815", None, Sex.FEMALE),
    ("Vivek Agarwal", "+919829036471", date(1968, 5, 23), Sex.MALE),
    ("Nandini Hegde", "+919448217396", date(1991, 10, 3), Sex.FEMALE),
    ("Rahul Mishra", "+919336704158", None, Sex.MALE),
    ("Kavya Reddy", "+919849561203", date(2019, 7, 28), Sex.FEMALE),
    ("Suresh Babu", "+919443287615", date(1960, 1, 9), Sex.MALE),
    ("Anita D'Souza", "+919822904317", None, Sex.FEMALE),
]
DEMO_PATIENT = ("Ananya Rao", "+919880245713", date(1996, 8, 21), Sex.FEMALE)


def front_desk_group() -> Group:
    """The receptionists' group: view, add and change on the front desk's models."""
    group, _ = Group.objects.get_or_create(name=FRONT_DESK)
    wanted = {
        (ContentType.objects.get_for_model(model).pk, f"{action}_{model._meta.model_name}")
        for model, actions in FRONT_DESK_PERMISSIONS.items()
        for action in actions
    }
    content_types = {content_type for content_type, _ in wanted}
    permissions = [
        permission
        for permission in Permission.objects.filter(content_type__in=content_types)
        if (permission.content_type_id, permission.codename) in wanted
    ]
    group.permissions.set(permissions)
    return group


class Command(BaseCommand):
    help = "Create (or refresh) the demo hospital: departments, doctors, slots, patients, logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo login (default {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, **options):
        password = options["password"]
        today = clock.today()
        with transaction.atomic():
            admin, reception = add_accounts(
                plans=[replace(plan, password=password) for plan in STAFF_LOGINS]
            )
            reception.groups.add(front_desk_group())
            departments = add_departments(plans=DEPARTMENTS)
            doctors = add_doctors(plans=[replace(plan, password=password) for plan in DOCTORS])
            patients = self._patients(password)
            created = generate_slots(start=today, days=SLOT_DAYS)
        self.stdout.write(
            f"{len(departments)} departments, {len(doctors)} doctors, {len(patients)} patients; "
            f"{created} new slot(s) for {SLOT_DAYS} days from {today:%d %b %Y}."
        )
        self._book_today(doctors=doctors, patients=patients, today=today, actor=admin)
        self._print_logins(password)

    def _patients(self, password: str) -> list[Patient]:
        """The demo login's patient and the others, each added once (found by name and phone)."""
        name, phone, born, sex = DEMO_PATIENT
        account = AccountPlan(
            email=PATIENT_EMAIL, name=name, role=Role.PATIENT, password=password, phone=phone
        )
        demo = PatientPlan(
            name=name,
            phone=phone,
            email=PATIENT_EMAIL,
            date_of_birth=born,
            sex=sex,
            user=add_accounts(plans=[account])[0],
        )
        plans = [
            *(
                PatientPlan(name=name, phone=phone, date_of_birth=born, sex=sex)
                for name, phone, born, sex in PATIENTS
            ),
            demo,
        ]
        stored = {
            (patient.name, patient.phone): patient
            for patient in Patient.objects.filter(phone__in=[plan.phone for plan in plans])
        }
        missing = [plan for plan in plans if (plan.name, plan.phone) not in stored]
        stored |= {(row.name, row.phone): row for row in add_patients(plans=missing)}
        return [
            stored[demo.name, demo.phone],
            *(stored[plan.name, plan.phone] for plan in plans[:-1]),
        ]

    def _book_today(self, *, doctors, patients, today, actor) -> None:
        """A few of today's tokens through the allocation engine, so the desk is not empty."""
        working = [
            doctor
            for doctor in doctors
            if Slot.objects.filter(doctor_day__doctor=doctor, doctor_day__date=today).exists()
        ][:3]
        sources = (Source.ONLINE, Source.ONLINE, Source.ONLINE, Source.WALK_IN, Source.WALK_IN)
        booked = 0
        refused = Counter()
        for index, doctor in enumerate(working):
            chosen = patients[index * len(sources) : (index + 1) * len(sources)]
            for patient, source in zip(chosen, sources, strict=False):
                try:
                    request_token(
                        doctor=doctor, day=today, source=source, patient=patient, actor=actor
                    )
                except DomainError as refusal:
                    # Booked by an earlier run (already_booked), or today's slots are over.
                    refused[refusal.code] += 1
                else:
                    booked += 1
        reasons = ", ".join(f"{count} {code}" for code, count in sorted(refused.items()))
        self.stdout.write(
            f"Today's bookings with {len(working)} doctor(s): {booked} new"
            + (f"; not booked: {reasons}." if reasons else ".")
        )

    def _print_logins(self, password: str) -> None:
        doctor_logins = ", ".join(plan.email for plan in DOCTORS)
        self.stdout.write(
            self.style.SUCCESS("\nThe demo hospital is ready.")
            + f"\n  Open      {SITE}/"
            + f"\n  Admin     {SITE}/admin/"
            + f"\n  Password  {password}  (for every login below)"
            + f"\n  Logins    {ADMIN_EMAIL}       administrator"
            + f"\n            {RECEPTION_EMAIL}   receptionist (front desk, admin site)"
            + f"\n            {PATIENT_EMAIL}     patient ({DEMO_PATIENT[0]})"
            + f"\n            doctors: {doctor_logins}\n"
        )
