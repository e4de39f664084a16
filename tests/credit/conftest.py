"""Credit fixtures: the catering scheme, a frozen clock and cycles at each stage
for the shared personas' enterprises."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from credit import services
from credit.models import Evaluation, Scheme

T0 = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def answers_for(scheme: Scheme, *, no=(), na=(), evidence=True) -> dict:
    answers = {}
    for item in scheme.items.all():
        value = "no" if item.code in no else "na" if item.code in na else "yes"
        answers[item.code] = {
            "value": value,
            "note": "",
            "evidence": png() if evidence and item.evidence_required else None,
        }
    return answers


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catering(db) -> Scheme:
    return Scheme.objects.get(sector="catering", is_active=True)


@pytest.fixture
def open_cycle(world, bureau_admin, catering):
    """A catering cycle over the whole test district opened at T0."""
    return services.cycle_open(
        user=bureau_admin,
        scheme=catering,
        district=world.district,
        name="2026年9月餐饮",
        period_start=T0.date() - timedelta(days=30),
        period_end=T0.date(),
        self_assessment_due=T0 + timedelta(days=7),
        now=T0,
    )


@pytest.fixture
def evaluation_x(open_cycle, world) -> Evaluation:
    return Evaluation.objects.get(cycle=open_cycle, enterprise=world.enterprise_x)


def publish(cycle, user, *, adjust=None):
    """Close, (adjust,) notice and publish with the service clock."""
    services.cycle_close_self_assessment(
        cycle=cycle, user=user, now=T0 + timedelta(days=8)
    )
    if adjust:
        adjust()
    cycle = services.cycle_start_notice(
        cycle=cycle, user=user, now=T0 + timedelta(days=9)
    )
    return services.cycle_publish(cycle=cycle, user=user, now=cycle.notice_ends_at)


@pytest.fixture
def published(open_cycle, evaluation_x, enterprise_user_x, bureau_admin, catering):
    """Enterprise X self-assessed all yes (green) and the cycle is published at
    T0 + 24 days by the bureau admin."""
    services.evaluation_self_assess(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        answers=answers_for(catering),
        now=T0 + timedelta(days=1),
    )
    return publish(open_cycle, bureau_admin)
