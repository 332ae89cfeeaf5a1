"""Every search box of the admin and the desk treats SQL as text: no error, no extra rows."""

import pytest
from django.contrib import admin

from tests import factories
from tests.security.conftest import SQL_PROBES

pytestmark = pytest.mark.django_db

SEARCHABLE = sorted(
    f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    for model, model_admin in admin.site._registry.items()
    if model_admin.search_fields
)


@pytest.mark.parametrize("path", SEARCHABLE)
@pytest.mark.parametrize("probe", SQL_PROBES)
def test_admin_search_boxes_find_nothing_for_sql(admin_client, path, probe, clock):
    factories.TokenFactory()

    response = admin_client.get(path, {"q": probe})

    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.query == probe
    assert changelist.result_count == 0


@pytest.mark.parametrize("probe", SQL_PROBES)
def test_desk_patient_search_finds_nothing_for_sql(desk_client, probe):
    patient = factories.PatientFactory(name="Meera Iyer")

    response = desk_client.get("/desk/patients/", {"q": probe})

    assert response.status_code == 200
    assert patient.mrn not in response.content.decode()
