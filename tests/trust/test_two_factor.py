"""TOTP two-factor login for administrators and bureau staff: enabling it with a
QR code, the second login step, the admin, and the phone token login."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_between_attempts(settings):
    """django-otp pauses a device after a wrong code; these tests try a wrong code
    and then the right one at once. The pause itself is django-otp's, tested there."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_bureau_staff_enable_two_factor_with_a_qr_code_and_one_code(
    client, bureau_officer
):
    client.force_login(bureau_officer)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=bureau_officer)
    assert not device.confirmed
    wrong = client.post("/accounts/two-factor/", {"code": "000000"})
    assert wrong.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_enterprise_users_and_street_officers_cannot_enable_it(
    client, enterprise_user_x, officer_a
):
    for user in (enterprise_user_x, officer_a):
        client.force_login(user)
        assert client.get("/accounts/two-factor/").status_code == 403


def test_it_can_be_turned_off_only_with_a_current_code(client, bureau_officer):
    device = confirmed_device(bureau_officer)
    client.force_login(bureau_officer)
    client.post("/accounts/two-factor/", {"code": "000000"})
    assert TOTPDevice.objects.filter(user=bureau_officer, confirmed=True).exists()
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert not TOTPDevice.objects.filter(user=bureau_officer).exists()


def login(client, username):
    return client.post(
        "/accounts/login/", {"username": username, "password": f"pw-{username}"}
    )


def test_a_user_with_a_device_gives_a_code_after_the_password(
    client, world, bureau_officer
):
    device = confirmed_device(bureau_officer)
    response = login(client, "bureau_officer")
    assert (
        response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # not logged in yet
    wrong = client.post("/accounts/login/code/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    done = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(bureau_officer.pk)
    assert client.get("/").status_code == 200


def test_a_user_without_a_device_logs_in_with_the_password(client, world, officer_a):
    response = login(client, "officer_a")
    assert response.status_code == 302 and "/code/" not in response["Location"]
    assert client.session["_auth_user_id"] == str(officer_a.pk)


def test_the_code_step_cannot_be_reached_without_the_password(client, world):
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"


def test_the_admin_requires_the_verified_device_of_a_user_who_has_one(
    client, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", password="pw-root")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200  # no device: password enough
    device = confirmed_device(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.logout()
    refused = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "pw-root", "otp_token": "000000"},
    )
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "pw-root", "otp_token": code_for(device)},
    )
    assert client.get("/admin/").status_code == 200


def test_token_login_asks_for_the_code_of_a_user_with_a_device(world, bureau_officer):
    device = confirmed_device(bureau_officer)
    client = APIClient()
    credentials = {"username": "bureau_officer", "password": "pw-bureau_officer"}
    refused = client.post("/api/v1/auth/login/", credentials, format="json")
    assert refused.status_code == 400
    assert "otp_token" in refused.json()["fields"]
    accepted = client.post(
        "/api/v1/auth/login/",
        {**credentials, "otp_token": code_for(device)},
        format="json",
    )
    assert accepted.status_code == 200 and accepted.json()["token"]
