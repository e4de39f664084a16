"""Phones log in with a per-device token that can be revoked."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _login(username="officer_a", password="pw-officer_a"):
    return APIClient().post(
        "/api/v1/auth/login/", {"username": username, "password": password}
    )


def test_login_returns_a_token_that_authenticates_api_calls(world, officer_a):
    response = _login()
    assert response.status_code == 200
    client = APIClient(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert client.get("/api/v1/enforcement/enterprises/").status_code == 200


def test_logout_revokes_only_that_device(world, officer_a):
    phone, tablet = _login().data["token"], _login().data["token"]
    APIClient(HTTP_AUTHORIZATION=f"Token {phone}").post("/api/v1/auth/logout/")
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {phone}")
        .get("/api/v1/grid/streets/")
        .status_code
        == 401
    )
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {tablet}")
        .get("/api/v1/grid/streets/")
        .status_code
        == 200
    )


def test_wrong_password_is_a_400_without_a_token(world, officer_a):
    response = _login(password="wrong")
    assert response.status_code == 400
    assert "token" not in response.data


def test_deactivated_user_token_stops_working(world, officer_a):
    token = _login().data["token"]
    officer_a.is_active = False
    officer_a.save()
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        .get("/api/v1/grid/streets/")
        .status_code
        == 401
    )
