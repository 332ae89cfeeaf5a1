"""A believable demo hospital: departments, doctors and their weeks, patients and demo logins.

Idempotent: every row is found by its natural key and updated, so running it again changes
nothing but the demo passwords (set to ``--password`` each time).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Patient, Role, Sex, User
from doctors.models import Department, Doctor, DoctorLeave, DoctorSchedule
from opd_site import clock
from scheduling.models import DoctorDay, Refund, Slot, Source, Token, TokenEvent, WaitingEntry
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

DEPARTMENTS = [
    ("GEN", "General Medicine", "Ground floor, Block A"),
    ("CARD", "Cardiology", "First floor, Block B"),
    ("PAED", "Paediatrics", "Ground floor, Block C"),
    ("ORTH", "Orthopaedics", "Second floor, Block B"),
    ("DERM", "Dermatology", "First floor, Block A"),
    ("ENT", "ENT", "Second floor, Block A"),
]

MON_SAT = (0, 1, 2, 3, 4, 5)
MON_WED_FRI = (0, 2, 4)
TUE_THU = (1, 3)
TUE_THU_SAT = (1, 3, 5)
MORNING = (time(9, 0), time(13, 0))
AFTERNOON = (time(14, 0), time(17, 0))


@dataclass(frozen=True)
class Session:
    weekdays: tuple[int, ...]
    hours: tuple[time, time]
    walk_in_reserve: int


@dataclass(frozen=True)
class DemoDoctor:
    first: str
    last: str
    department: str
    specialization: str
    license_number: str
    qualifications: str
    experience_years: int
    room: str
    token_prefix: str
    average_minutes: Decimal
    fee: Decimal
    sessions: tuple[Session, ...]

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}@opd.example"


DOCTORS = [
    DemoDoctor(
        first="Anjali",
        last="Mehta",
        department="GEN",
        specialization="General Physician",
        license_number="MMC-2011-04518",
        qualifications="MBBS, MD (Internal Medicine)",
        experience_years=14,
        room="A-101",
        token_prefix="GEN1",
        average_minutes=Decimal("9.00"),
        fee=Decimal("300"),
        sessions=(
            Session(MON_SAT, MORNING, 2),
            Session(MON_WED_FRI, AFTERNOON, 1),
            Session((6,), MORNING, 1),
        ),
    ),
    DemoDoctor(
        first="Rajesh",
        last="Iyer",
        department="GEN",
        specialization="Family Physician",
        license_number="TNMC-2008-61733",
        qualifications="MBBS, DNB (Family Medicine)",
        experience_years=17,
        room="A-102",
        token_prefix="GEN2",
        average_minutes=Decimal("10.00"),
        fee=Decimal("300"),
        sessions=(Session(MON_SAT, MORNING, 2), Session(MON_SAT, AFTERNOON, 1)),
    ),
    DemoDoctor(
        first="Vikram",
        last="Nair",
        department="CARD",
        specialization="Interventional Cardiologist",
        license_number="KMC-2006-39127",
        qualifications="MBBS, MD (Medicine), DM (Cardiology)",
        experience_years=19,
        room="B-201",
        token_prefix="CARD1",
        average_minutes=Decimal("12.00"),
        fee=Decimal("800"),
        sessions=(Session(MON_SAT, MORNING, 1), Session(TUE_THU, AFTERNOON, 1)),
    ),
    DemoDoctor(
        first="Priya",
        last="Sharma",
        department="PAED",
        specialization="Paediatrician",
        license_number="DMC-2013-77204",
        qualifications="MBBS, MD (Paediatrics)",
        experience_years=11,
        room="C-105",
        token_prefix="PAED1",
        average_minutes=Decimal("10.00"),
        fee=Decimal("500"),
        sessions=(Session(MON_SAT, MORNING, 2),),
    ),
    DemoDoctor(
        first="Arjun",
        last="Reddy",
        department="ORTH",
        specialization="Orthopaedic Surgeon",
        license_number="TSMC-2010-25861",
        qualifications="MBBS, MS (Orthopaedics)",
        experience_years=13,
        room="B-210",
        token_prefix="ORTH1",
        average_minutes=Decimal("11.00"),
        fee=Decimal("600"),
        sessions=(Session((0, 2, 4, 5), MORNING, 1), Session(TUE_THU, AFTERNOON, 1)),
    ),
    DemoDoctor(
        first="Kavita",
        last="Deshpande",
        department="DERM",
        specialization="Dermatologist",
        license_number="MMC-2014-50392",
        qualifications="MBBS, MD (Dermatology, Venereology and Leprosy)",
        experience_years=9,
        room="A-204",
        token_prefix="DERM1",
        average_minutes=Decimal("8.00"),
        fee=Decimal("500"),
        sessions=(Session(TUE_THU_SAT, MORNING, 1), Session(MON_WED_FRI, AFTERNOON, 1)),
    ),
    DemoDoctor(
        first="Sameer",
        last="Khan",
        department="ENT",
        specialization="ENT Surgeon",
        license_number="UPMC-2012-18846",
        qualifications="MBBS, MS (ENT)",
        experience_years=12,
        room="A-210",
        token_prefix="ENT1",
        average_minutes=Decimal("10.00"),
        fee=Decimal("500"),
        sessions=(Session((0, 1, 2, 3, 4), MORNING, 1),),
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
            admin = self._account(
                ADMIN_EMAIL, "Hospital Administrator", Role.ADMIN, password, superuser=True
            )
            reception = self._account(
                RECEPTION_EMAIL, "Sunita Pillai", Role.RECEPTIONIST, password, staff=True
            )
            reception.groups.add(front_desk_group())
            departments = self._departments()
            doctors = [self._doctor(spec, departments, password) for spec in DOCTORS]
            patients = self._patients(password)
            created = generate_slots(start=today, days=SLOT_DAYS)
        self.stdout.write(
            f"{len(departments)} departments, {len(doctors)} doctors, {len(patients)} patients; "
            f"{created} new slot(s) for {SLOT_DAYS} days from {today:%d %b %Y}."
        )
        self._book_today(doctors=doctors, patients=patients, today=today, actor=admin)
        self._print_logins(password)

    def _account(
        self, email, name, role, password, *, staff=False, superuser=False, phone=""
    ) -> User:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "name": name,
                "phone": phone,
                "role": role,
                "is_active": True,
                "is_staff": staff or superuser,
                "is_superuser": superuser,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def _departments(self) -> dict[str, Department]:
        return {
            code: Department.objects.update_or_create(
                code=code, defaults={"name": name, "location": location}
            )[0]
            for code, name, location in DEPARTMENTS
        }

    def _doctor(self, spec: DemoDoctor, departments, password) -> Doctor:
        user = self._account(spec.email, spec.name, Role.DOCTOR, password)
        doctor, _ = Doctor.objects.update_or_create(
            user=user,
            defaults={
                "department": departments[spec.department],
                "specialization": spec.specialization,
                "license_number": spec.license_number,
                "qualifications": spec.qualifications,
                "experience_years": spec.experience_years,
                "token_prefix": spec.token_prefix,
                "room": spec.room,
                "average_consultation_minutes": spec.average_minutes,
            },
        )
        for session in spec.sessions:
            start, end = session.hours
            for weekday in session.weekdays:
                DoctorSchedule.objects.update_or_create(
                    doctor=doctor,
                    weekday=weekday,
                    start_time=start,
                    defaults={
                        "end_time": end,
                        "slot_minutes": 60,
                        "capacity": 6,
                        "emergency_reserve": 1,
                        "walk_in_reserve": session.walk_in_reserve,
                        "consultation_fee": spec.fee,
                        "priority_fee": Decimal("500"),
                    },
                )
        return doctor

    def _patients(self, password) -> list[Patient]:
        patients = [
            Patient.objects.update_or_create(
                name=name, phone=phone, defaults={"date_of_birth": born, "sex": sex}
            )[0]
            for name, phone, born, sex in PATIENTS
        ]
        name, phone, born, sex = DEMO_PATIENT
        user = self._account(PATIENT_EMAIL, name, Role.PATIENT, password, phone=phone)
        demo, _ = Patient.objects.update_or_create(
            user=user,
            defaults={
                "name": name,
                "phone": phone,
                "email": PATIENT_EMAIL,
                "date_of_birth": born,
                "sex": sex,
            },
        )
        return [demo, *patients]

    def _book_today(self, *, doctors, patients, today, actor) -> None:
        """A few of today's tokens through the allocation engine, so the desk is not empty."""
        try:
            from scheduling.errors import DomainError
            from scheduling.services.requests import request_token
        except ImportError:
            self.stdout.write("No bookings for today: the allocation engine is not installed.")
            return
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
        doctor_logins = ", ".join(spec.email for spec in DOCTORS)
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
