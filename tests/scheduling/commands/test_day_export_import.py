"""A day exported with ``export_day`` loads into an empty database and reads the same there."""

import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Patient, User
from doctors.models import Department, Doctor
from opd_site import clock as opd_clock
from scheduling.invariants import check_invariants
from scheduling.models import (
    DoctorDay,
    IdempotencyKey,
    Notification,
    Payment,
    Refund,
    Slot,
    Token,
    TokenEvent,
    WaitingEntry,
)
from tests.scheduling.helpers import book

pytestmark = pytest.mark.django_db

# Children first: what an empty database looks like after deleting these.
ALL_MODELS = (
    Refund,
    Payment,
    TokenEvent,
    Notification,
    IdempotencyKey,
    WaitingEntry,
    Token,
    Slot,
    DoctorDay,
    Doctor,
    Patient,
    User,
    Department,
)


def export(day, path) -> dict:
    call_command("export_day", "--date", day.isoformat(), "--output", str(path))
    return json.loads(path.read_text())


def import_day(path, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_day", str(path), *args, stdout=out)
    return out.getvalue()


def empty_database() -> None:
    for model in ALL_MODELS:
        model._base_manager.all().delete()


def objects_of(document: dict, label: str) -> list[dict]:
    return [item for item in document["objects"] if item["model"] == label]


def test_export_holds_the_day_and_what_it_references_but_not_other_days(busy_day, tmp_path):
    document = export(busy_day.date, tmp_path / "day.json")

    tokens = objects_of(document, "scheduling.token")
    assert {t["fields"]["reference"] for t in tokens} == set(
        Token.objects.filter(doctor_day=busy_day.doctor_day).values_list("reference", flat=True)
    )
    assert objects_of(document, "scheduling.waitingentry"), "the waiting list travels with the day"
    assert objects_of(document, "scheduling.refund"), "refund requests travel with the day"
    assert objects_of(document, "scheduling.payment"), "the money taken travels with the day"
    patients = {p["pk"] for p in objects_of(document, "accounts.patient")}
    assert patients == {t["fields"]["patient"] for t in tokens} | {
        w["fields"]["patient"] for w in objects_of(document, "scheduling.waitingentry")
    }
    assert all("password" not in u["fields"] for u in objects_of(document, "accounts.user"))
    assert (tmp_path / "day.json").stat().st_mode & 0o077 == 0, "personal data: owner-only file"


def test_round_trip_into_an_empty_database_reads_the_same(busy_day, tmp_path, clock):
    exported = export(busy_day.date, tmp_path / "day.json")
    empty_database()

    report = import_day(tmp_path / "day.json")

    assert f"Added {len(exported['objects'])} row(s)" in report
    again = export(busy_day.date, tmp_path / "again.json")
    assert again["objects"] == exported["objects"]
    assert check_invariants() == []
    assert Token.objects.filter(doctor_day__date=opd_clock.today()).count() == 0
    # The restored day goes on working: a new booking gets fresh ids and the next number.
    restored = DoctorDay.objects.get(date=busy_day.date)
    last_number = Token.objects.filter(doctor_day=restored).order_by("-number").first().number
    busy_day.doctor_day, busy_day.doctor = restored, restored.doctor
    allocation = book(busy_day)
    assert allocation.waitlisted or allocation.token.number == last_number + 1
    assert check_invariants() == []


def test_a_file_written_before_the_waiting_list_moved_apps_still_imports(busy_day, tmp_path):
    exported = export(busy_day.date, tmp_path / "day.json")
    for row in exported["objects"]:
        if row["model"] == "scheduling.waitingentry":
            row["model"] = "queueing.waitingentry"
    (tmp_path / "old.json").write_text(json.dumps(exported))
    empty_database()

    import_day(tmp_path / "old.json")

    again = export(busy_day.date, tmp_path / "again.json")
    assert objects_of(again, "scheduling.waitingentry")
    assert len(again["objects"]) == len(exported["objects"])


def test_importing_the_same_file_twice_changes_nothing(busy_day, tmp_path):
    exported = export(busy_day.date, tmp_path / "day.json")
    empty_database()
    import_day(tmp_path / "day.json")
    counts = {model: model._base_manager.count() for model in ALL_MODELS}

    report = import_day(tmp_path / "day.json")

    assert (
        f"Added 0 row(s) for {busy_day.date}; {len(exported['objects'])} already present" in report
    )
    assert {model: model._base_manager.count() for model in ALL_MODELS} == counts


def test_import_into_the_database_it_came_from_adds_nothing(busy_day, tmp_path):
    export(busy_day.date, tmp_path / "day.json")
    events = TokenEvent.objects.count()

    assert "Added 0 row(s)" in import_day(tmp_path / "day.json")
    assert TokenEvent.objects.count() == events


def test_conflicting_row_stops_the_import_and_writes_nothing(busy_day, tmp_path):
    document = export(busy_day.date, tmp_path / "day.json")
    empty_database()
    patient_pk = objects_of(document, "accounts.patient")[0]["pk"]
    Patient.objects.create(pk=patient_pk, name="Somebody Else")

    with pytest.raises(CommandError, match="Nothing imported"):
        import_day(tmp_path / "day.json")

    assert Token.objects.count() == 0
    assert DoctorDay.objects.count() == 0


def test_dry_run_reports_and_writes_nothing(busy_day, tmp_path):
    document = export(busy_day.date, tmp_path / "day.json")
    empty_database()

    report = import_day(tmp_path / "day.json", "--dry-run")

    assert f"Would add {len(document['objects'])} row(s)" in report
    assert Token.objects.count() == 0


def test_export_of_a_day_without_doctors_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="Nothing to export"):
        call_command("export_day", "--date", "2031-01-01", "--output", str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()


def test_a_file_that_is_not_an_export_is_refused(db, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"model": "accounts.user", "pk": 1, "fields": {}}]))
    with pytest.raises(CommandError, match="not an export_day file"):
        import_day(path)
