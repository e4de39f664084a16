"""seed_demo builds the demo district deterministically."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from enforcement.models import Enterprise, EnterpriseAccount
from grid.models import Agency, District, GridCell, Membership, Street
from grid.selectors import street_list_without_bureau_officer

pytestmark = pytest.mark.django_db


def _seed(seed=7, enterprises=300):
    call_command("seed_demo", seed=seed, enterprises=enterprises, stdout=StringIO())
    return list(
        Enterprise.objects.order_by("id").values_list(
            "uscc", "name", "lon", "lat", "grid_cell__code"
        )
    )


def test_demo_district_has_streets_cells_enterprises_and_every_street_covered():
    _seed()
    assert Street.objects.count() == 13
    assert GridCell.objects.count() == 200
    assert Enterprise.objects.count() == 300
    assert Enterprise.objects.filter(sector="catering").count() >= 240
    assert not street_list_without_bureau_officer().exists()
    assert Membership.objects.filter(
        role="street_officer", user__username="street_a"
    ).exists()
    assert not Enterprise.objects.filter(grid_cell__isnull=True).exists()


def test_same_seed_gives_the_same_enterprises():
    first = _seed(seed=11, enterprises=120)
    # The modules above enforcement keep records on enterprises (PROTECT): empty
    # them first, newest models first (their own PROTECT links point backwards).
    for label in ("credit", "monitoring", "hazwaste"):
        for model in reversed(list(apps.get_app_config(label).get_models())):
            model._base_manager.all().delete()
    EnterpriseAccount.objects.all().delete()
    Enterprise.objects.all().delete()
    Membership.objects.all().delete()
    get_user_model().objects.all().delete()
    Agency.objects.all().delete()
    GridCell.objects.all().delete()
    Street.objects.all().delete()
    District.objects.all().delete()
    assert _seed(seed=11, enterprises=120) == first


def test_if_empty_does_nothing_on_a_seeded_database():
    _seed(enterprises=50)
    call_command("seed_demo", if_empty=True, stdout=StringIO())
    assert Enterprise.objects.count() == 50
