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


def token_client(user) -> APIClient:
    """A client that authenticates like a phone: a real knox token header."""
    _token, key = AuthToken.objects.create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")
