"""Helpers for the dispatch tests: evidence files, a frozen clock, tickets."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from grid.models import Membership
from grid.services import TicketIntake, tickets_open_many

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_CELL_A = (121.41, 31.21)
IN_CELL_B = (121.43, 31.21)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def jpeg(*, gps=True, when="2026:03:13 10:20:30", colour=(90, 140, 90)) -> bytes:
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 12.0, 36.0), 3: "E", 4: (121.0, 24.0, 36.0)}
    if when:
        exif[0x8769] = {36867: when}
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def ticket_reference_data(request):
    """Categories and holidays come from a data migration; a transactional test
    elsewhere flushes them, so put them back when they are missing."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue(
        "transactional_db"
        if request.node.get_closest_marker("django_db").kwargs.get("transaction")
        else "db"
    )
    from importlib import import_module

    from django.apps import apps

    from grid.models import TicketCategory

    if not TicketCategory.objects.exists():
        import_module("grid.migrations.0004_ticket_categories_and_holidays").load(
            apps, None
        )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def frozen(monkeypatch):
    """freeze(dt) makes django.utils.timezone.now() return dt."""
    from django.utils import timezone

    def freeze(moment: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def open_ticket(world):
    """open_ticket(point=..., category=..., now=...) through the real intake."""

    def make(point=IN_CELL_A, category="cooking_fume", now=None, **extra):
        intake = TicketIntake(
            category=category,
            source=extra.pop("source", "citizen_web"),
            description=extra.pop("description", "油烟很大"),
            lon=point[0],
            lat=point[1],
            **extra,
        )
        return tickets_open_many(items=[intake], single=True, now=now)[0]

    return make


@pytest.fixture
def officer_a2(world, django_user_model):
    """A second on-duty street officer of street A."""
    user = django_user_model.objects.create_user("officer_a2", password="pw")
    Membership.objects.create(
        user=user, agency=world.office_a, role=Membership.Role.STREET_OFFICER
    ).streets.add(world.street_a)
    return user
