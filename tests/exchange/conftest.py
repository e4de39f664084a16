from __future__ import annotations

import pytest

from enforcement.models import Enterprise
from exchange import services
from grid.models import GridCell, Street
from tests.conftest import make_uscc, rectangle


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXCHANGE_EXPORT_DIR = tmp_path / "exchange"


@pytest.fixture
def foreign_enterprise(world) -> Enterprise:
    """An enterprise of the partner district: never in the home district's export."""
    street = Street.objects.create(
        district=world.partner_district, code="P", name="邻街道"
    )
    cell = GridCell.objects.create(
        street=street,
        code="P-001",
        name="邻一",
        geometry=rectangle(120.0, 30.0, 120.02, 30.02),
        min_lon=120.0,
        min_lat=30.0,
        max_lon=120.02,
        max_lat=30.02,
    )
    return Enterprise.objects.create(
        uscc=make_uscc(7001),
        name="邻市工厂",
        sector="industrial",
        lon=120.01,
        lat=30.01,
        street=street,
        grid_cell=cell,
    )


@pytest.fixture
def city_key(world) -> str:
    _client, key = services.exchange_client_create(
        name="市平台", districts=[world.district]
    )
    return key


@pytest.fixture
def city(city_key):
    from rest_framework.test import APIClient

    return APIClient(HTTP_AUTHORIZATION=f"Bearer {city_key}")


@pytest.fixture
def city_lists(db):
    """The lists the migration ships, made again if a transactional test's flush
    emptied the table."""
    from importlib import import_module

    from django.apps import apps

    import_module("exchange.migrations.0002_default_city_lists").create(apps, None)
