"""The data migration stores existing phones in E.164 and leaves unparseable ones alone."""

import importlib

import pytest
from django.apps import apps

from accounts.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0003_phones_e164")


def test_existing_phones_become_e164_and_the_rest_stay_as_typed():
    typed = factories.PatientFactory(phone="098201 34567")
    odd = factories.PatientFactory(phone="ext. 42")
    empty = factories.PatientFactory(phone="")
    user = factories.UserFactory(phone="9820134568")

    migration.phones_to_e164(apps, None)

    assert Patient.objects.get(pk=typed.pk).phone == "+919820134567"
    assert Patient.objects.get(pk=odd.pk).phone == "ext. 42"
    assert Patient.objects.get(pk=empty.pk).phone == ""
    user.refresh_from_db()
    assert user.phone == "+919820134568"
