"""Passwords are checked; sessions and tokens end with the account or the scope:
the next request already sees the change."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from grid.models import Membership

from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password",
    ["short1!", "12345678901", "password123", "officer_a_2024"],
)
def test_weak_passwords_are_refused(password, officer_a):
    with pytest.raises(ValidationError):
        validate_password(password, user=officer_a)


def test_a_strong_password_passes(officer_a):
    validate_password("绿色-Fume-Hood-7391", user=officer_a)


def _enterprise_url(world):
    return f"/api/v1/enforcement/enterprises/{world.enterprise_x.id}/"


def test_a_deactivated_users_session_ends_on_the_next_request(client, world, officer_a):
    client.force_login(officer_a)
    assert client.get(f"/enterprises/{world.enterprise_x.id}/").status_code == 200
    officer_a.is_active = False
    officer_a.save()
    response = client.get(f"/enterprises/{world.enterprise_x.id}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(_enterprise_url(world)).status_code in (401, 403)


def test_a_deactivated_users_token_is_refused_on_the_next_request(world, officer_a):
    client = token_client(officer_a)
    assert client.get(_enterprise_url(world)).status_code == 200
    officer_a.is_active = False
    officer_a.save()
    assert client.get(_enterprise_url(world)).status_code == 401


def test_an_officer_moved_out_of_a_street_loses_it_on_the_next_request(
    client, world, officer_a
):
    token = token_client(officer_a)
    client.force_login(officer_a)
    assert token.get(_enterprise_url(world)).status_code == 200
    membership = Membership.objects.get(user=officer_a)
    membership.streets.set([world.street_b])
    assert token.get(_enterprise_url(world)).status_code == 404
    assert client.get(f"/enterprises/{world.enterprise_x.id}/").status_code == 404
    other = f"/api/v1/enforcement/enterprises/{world.enterprise_y.id}/"
    assert token.get(other).status_code == 200


def test_an_ended_membership_ends_the_scope_at_once(world, officer_a):
    token = token_client(officer_a)
    Membership.objects.filter(user=officer_a).update(is_active=False)
    assert token.get(_enterprise_url(world)).status_code == 404
    listing = token.get("/api/v1/enforcement/enterprises/").json()
    assert listing["count"] == 0
