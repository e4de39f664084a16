"""Shared personas: a small district with two streets, officers of each, a bureau
officer, an enterprise user for each of two enterprises, a partner officer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from enforcement.models import Enterprise, EnterpriseAccount
from enforcement.validators import uscc_check_character
from grid.models import Agency, District, GridCell, Membership, Street


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


def make_uscc(serial: int) -> str:
    body = f"91310104MA{serial:07d}"
    return body + uscc_check_character(body)


def make_restaurants(street, count: int, *, first_serial: int) -> list:
    """``count`` catering enterprises on ``street``, written in one statement."""
    from enforcement.models import Enterprise

    return Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(first_serial + n),
            name=f"店{first_serial + n}",
            sector="catering",
            lon=121.41,
            lat=31.21,
            street=street,
        )
        for n in range(count)
    )


@dataclass
class World:
    district: District
    partner_district: District
    street_a: Street
    street_b: Street
    cell_a: GridCell
    cell_b: GridCell
    bureau: Agency
    office_a: Agency
    office_b: Agency
    partner_bureau: Agency
    enterprise_x: Enterprise  # in street A
    enterprise_y: Enterprise  # in street B


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and caches start empty in every test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    district = District.objects.create(code="310104", name="测试区")
    partner_district = District.objects.create(code="320600", name="邻市")
    street_a = Street.objects.create(district=district, code="A", name="甲街道")
    street_b = Street.objects.create(district=district, code="B", name="乙街道")
    cell_a = GridCell.objects.create(
        street=street_a,
        code="A-001",
        name="甲一",
        geometry=rectangle(121.40, 31.20, 121.42, 31.22),
        min_lon=121.40,
        min_lat=31.20,
        max_lon=121.42,
        max_lat=31.22,
    )
    cell_b = GridCell.objects.create(
        street=street_b,
        code="B-001",
        name="乙一",
        geometry=rectangle(121.42, 31.20, 121.44, 31.22),
        min_lon=121.42,
        min_lat=31.20,
        max_lon=121.44,
        max_lat=31.22,
    )
    bureau = Agency.objects.create(
        kind=Agency.Kind.BUREAU, name="测试区生态环境局", district=district
    )
    office_a = Agency.objects.create(
        kind=Agency.Kind.STREET_OFFICE,
        name="甲街道执法队",
        district=district,
        street=street_a,
    )
    office_b = Agency.objects.create(
        kind=Agency.Kind.STREET_OFFICE,
        name="乙街道执法队",
        district=district,
        street=street_b,
    )
    partner_bureau = Agency.objects.create(
        kind=Agency.Kind.PARTNER_BUREAU,
        name="邻市生态环境局",
        district=partner_district,
    )
    enterprise_x = Enterprise.objects.create(
        uscc=make_uscc(1),
        name="甲餐厅",
        sector="catering",
        lon=121.41,
        lat=31.21,
        street=street_a,
        grid_cell=cell_a,
    )
    enterprise_y = Enterprise.objects.create(
        uscc=make_uscc(2),
        name="乙汽修",
        sector="auto_repair",
        lon=121.43,
        lat=31.21,
        street=street_b,
        grid_cell=cell_b,
    )
    return World(
        district,
        partner_district,
        street_a,
        street_b,
        cell_a,
        cell_b,
        bureau,
        office_a,
        office_b,
        partner_bureau,
        enterprise_x,
        enterprise_y,
    )


def _user(username: str):
    return get_user_model().objects.create_user(
        username=username, password="pw-" + username
    )


@pytest.fixture
def bureau_officer(world):
    user = _user("bureau_officer")
    Membership.objects.create(
        user=user, agency=world.bureau, role=Membership.Role.BUREAU_OFFICER
    ).streets.add(world.street_a)
    return user


@pytest.fixture
def bureau_admin(world):
    user = _user("bureau_admin")
    Membership.objects.create(
        user=user, agency=world.bureau, role=Membership.Role.BUREAU_ADMIN
    )
    return user


@pytest.fixture
def officer_a(world):
    user = _user("officer_a")
    Membership.objects.create(
        user=user, agency=world.office_a, role=Membership.Role.STREET_OFFICER
    ).streets.add(world.street_a)
    return user


@pytest.fixture
def officer_b(world):
    user = _user("officer_b")
    Membership.objects.create(
        user=user, agency=world.office_b, role=Membership.Role.STREET_OFFICER
    ).streets.add(world.street_b)
    return user


@pytest.fixture
def partner_officer(world):
    user = _user("partner_officer")
    Membership.objects.create(
        user=user, agency=world.partner_bureau, role=Membership.Role.PARTNER_OFFICER
    )
    return user


@pytest.fixture
def enterprise_user_x(world):
    user = _user("enterprise_x")
    EnterpriseAccount.objects.create(user=user, enterprise=world.enterprise_x)
    return user


@pytest.fixture
def enterprise_user_y(world):
    user = _user("enterprise_y")
    EnterpriseAccount.objects.create(user=user, enterprise=world.enterprise_y)
    return user


@pytest.fixture
def api():
    """API client factory: api(user) is logged in as user; api() is anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run where DATABASE_URL names PostgreSQL (CI does);
    browser tests need Debian's Chromium, which CI installs (REQUIRE_BROWSER=1)."""
    import os
    import shutil

    on_postgres = os.environ.get("DATABASE_URL", "").startswith(
        ("postgres", "postgresql")
    )
    has_browser = shutil.which("chromium") is not None
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (runs in CI)"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (runs in CI)"))
        if (
            "browser" in item.keywords
            and not has_browser
            and not os.environ.get("REQUIRE_BROWSER")
        ):
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium package"))
