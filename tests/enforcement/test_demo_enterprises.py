"""Demo enterprises are bulk-loaded (COPY on PostgreSQL) yet come out as complete
as enterprises saved one by one, with their history."""

from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from enforcement.models import Enterprise
from enforcement.validators import validate_uscc

pytestmark = pytest.mark.django_db


def _seed(enterprises=200):
    call_command("seed_demo", seed=5, enterprises=enterprises, stdout=StringIO())


def test_seeded_enterprises_are_complete_and_lie_in_their_cell():
    _seed()
    enterprises = list(Enterprise.objects.select_related("grid_cell"))
    assert len(enterprises) == 200
    for enterprise in enterprises:
        validate_uscc(enterprise.uscc)
        cell = enterprise.grid_cell
        assert enterprise.street_id == cell.street_id
        assert cell.min_lon <= enterprise.lon <= cell.max_lon
        assert cell.min_lat <= enterprise.lat <= cell.max_lat
        assert enterprise.created_at is not None
        assert abs(enterprise.updated_at - enterprise.created_at) < timedelta(seconds=1)
        assert not enterprise.location_override
        assert enterprise.location_override_note == ""
    permits = [e for e in enterprises if e.sector in ("industrial", "auto_repair")]
    assert permits
    assert all(e.permit_number and e.permit_valid_until for e in permits)


@pytest.mark.postgres
def test_seeded_enterprises_each_have_their_insert_in_the_history():
    _seed()
    event_model = apps.get_model("enforcement", "EnterpriseEvent")
    inserted = event_model.objects.filter(pgh_label="insert")
    assert sorted(inserted.values_list("pgh_obj_id", flat=True)) == sorted(
        Enterprise.objects.values_list("id", flat=True)
    )
    sample = Enterprise.objects.order_by("id").first()
    event = inserted.get(pgh_obj_id=sample.id)
    assert (event.uscc, event.name, event.street_id) == (
        sample.uscc,
        sample.name,
        sample.street_id,
    )
