"""seed_demo builds the demo district deterministically."""

from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from enforcement.models import Enterprise
from grid.models import GridCell, Membership, Street
from grid.selectors import street_list_without_bureau_officer

pytestmark = pytest.mark.django_db


def _seed(seed=7, enterprises=300):
    call_command("seed_demo", seed=seed, enterprises=enterprises, stdout=StringIO())
    return list(
        Enterprise.objects.order_by("uscc").values_list(
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
    # Seed once inside a savepoint that is rolled back, then seed again: whatever
    # every module's demo step wrote is gone, without knowing the modules.
    with transaction.atomic():
        first = _seed(seed=11, enterprises=120)
        transaction.set_rollback(True)
    assert not Enterprise.objects.exists()
    assert _seed(seed=11, enterprises=120) == first


def test_if_empty_does_nothing_on_a_seeded_database():
    _seed(enterprises=50)
    call_command("seed_demo", if_empty=True, stdout=StringIO())
    assert Enterprise.objects.count() == 50


@pytest.mark.django_db(transaction=True)
def test_demo_builds_on_a_flushed_database_with_the_reference_data_back():
    from credit.models import Scheme
    from credit.starter import SCHEMES
    from enforcement.models import ChecklistTemplate, RiskModel
    from exchange.models import CityList
    from grid.models import Ticket, TicketCategory
    from hazwaste.models import AnomalyRule, WasteCode

    call_command("flush", interactive=False, verbosity=0)
    assert not TicketCategory.objects.exists()
    _seed(enterprises=60)
    categories = import_module("grid.migrations.0004_ticket_categories_and_holidays")
    assert TicketCategory.objects.count() == len(categories.CATEGORIES)
    assert Scheme.objects.count() == len(SCHEMES)
    assert ChecklistTemplate.objects.count() == 9  # one per domain
    for model in (WasteCode, AnomalyRule, CityList):
        assert model.objects.exists(), model
    # the starter model, then the version with the joint factors: one active
    assert list(
        RiskModel.objects.order_by("version").values_list("version", "is_active")
    ) == [
        (1, False),
        (2, True),
    ]
    assert Ticket.objects.exists()
