"""Headers and account protection."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_pages_carry_a_csp_without_unsafe_inline_scripts(client, world, bureau_officer):
    client.force_login(bureau_officer)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    script_src = next(
        p for p in policy.split(";") if p.strip().startswith("script-src")
    )
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_without_the_nonce(client, world, bureau_officer):
    import re

    client.force_login(bureau_officer)
    for path in [
        "/",
        "/enterprises/",
        f"/enterprises/{world.enterprise_x.id}/",
        "/map/",
        "/m/",
    ]:
        html = client.get(path).content.decode()
        nonce = re.search(
            r"'nonce-([^']+)'", client.get(path)["Content-Security-Policy"]
        )
        for tag in re.findall(r"<script\b[^>]*>", html):
            executable = (
                "src=" in tag or 'type="application/json"' in tag or "nonce=" in tag
            )
            assert executable, f"{path}: inline script without nonce: {tag}"
        assert not re.search(r"\son(click|load|change|submit)=", html), path
        del nonce


def _without_tokens(html: bytes) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


def _web_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_web_login_locks_after_five_failures_even_with_the_right_password(
    client, world, officer_a
):
    for _ in range(5):
        _web_login(client, "officer_a", "wrong")
    response = _web_login(client, "officer_a", "pw-officer_a")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_lockout_answer(client, world, officer_a):
    for _ in range(5):
        _web_login(client, "nobody", "wrong")
    unknown = _web_login(client, "nobody", "wrong")
    for _ in range(5):
        _web_login(client, "officer_a", "wrong")
    known = _web_login(client, "officer_a", "wrong")
    assert unknown.status_code == known.status_code == 429
    assert _without_tokens(unknown.content) == _without_tokens(known.content)


def test_token_login_locks_too(world, officer_a):
    client = APIClient()
    for _ in range(5):
        client.post(
            "/api/v1/auth/login/", {"username": "officer_a", "password": "wrong"}
        )
    response = client.post(
        "/api/v1/auth/login/", {"username": "officer_a", "password": "pw-officer_a"}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
