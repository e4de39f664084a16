"""The OpenAPI schema generates without warnings and the docs need no CDN."""

import pytest
from django.core.management import call_command


def test_schema_generates_and_validates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.yaml"),
    )
    assert "/api/v1/enforcement/enterprises/" in (tmp_path / "s.yaml").read_text()


@pytest.mark.django_db
def test_api_docs_page_uses_vendored_swagger(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("u"))
    page = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in page
    assert "cdn." not in page
