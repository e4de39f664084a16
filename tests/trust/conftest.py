"""Personas by name for the trust harnesses (fixtures of tests/conftest.py)."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

PERSONAS = (
    "bureau_officer",
    "officer_a",
    "officer_b",
    "enterprise_user_x",
    "enterprise_user_y",
    "partner_officer",
    "anonymous",
)


@pytest.fixture
def personas(
    world,
    bureau_officer,
    officer_a,
    officer_b,
    enterprise_user_x,
    enterprise_user_y,
    partner_officer,
):
    """Every persona by name; ``anonymous`` is None."""
    return {
        "bureau_officer": bureau_officer,
        "officer_a": officer_a,
        "officer_b": officer_b,
        "enterprise_user_x": enterprise_user_x,
        "enterprise_user_y": enterprise_user_y,
        "partner_officer": partner_officer,
        "anonymous": None,
    }


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_collection_modifyitems(config, items):
    """Celery fault tests need PostgreSQL and Redis. Outside CI they are skipped
    when either is missing; in CI (CI=true) they always run, so a missing service
    fails them instead of hiding them."""
    import os

    if os.environ.get("CI"):
        return
    celery_items = [item for item in items if "celery" in item.keywords]
    if not celery_items:
        return
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if on_postgres and _redis_answers(url):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis (runs in CI)")
    for item in celery_items:
        item.add_marker(skip)


def token_client(user) -> APIClient:
    """A client that authenticates like a phone: a real knox token header."""
    _token, key = AuthToken.objects.create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")
