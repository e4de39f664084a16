"""The registry's pages, in Chinese by default."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enforcement.models import Enterprise
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_by_default(client, world, bureau_officer):
    client.force_login(bureau_officer)
    assert "工作台" in client.get("/").content.decode()
    assert "统一社会信用代码" in client.get("/enterprises/").content.decode()


def test_english_is_one_switch_away(client, world, bureau_officer):
    client.force_login(bureau_officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").content.decode()


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/enterprises/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_enterprise_user_lands_on_own_file(client, world, enterprise_user_x):
    client.force_login(enterprise_user_x)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == world.enterprise_x.get_absolute_url()


def test_import_page_dry_run_lists_bad_rows_then_confirm_saves(
    client, world, bureau_officer
):
    client.force_login(bureau_officer)
    bad = "uscc,name,sector,lon,lat\nBAD,坏店,catering,121.41,31.21\n".encode()
    page = client.post(
        "/enterprises/import/", {"file": SimpleUploadedFile("a.csv", bad)}
    )
    assert (
        "import-report" in page.content.decode() and "坏店" not in page.content.decode()
    )
    good = f"uscc,name,sector,lon,lat\n{make_uscc(55)},好店,catering,121.41,31.21\n"
    good = good.encode()
    client.post("/enterprises/import/", {"file": SimpleUploadedFile("a.csv", good)})
    assert not Enterprise.objects.filter(name="好店").exists()
    response = client.post(
        "/enterprises/import/",
        {"file": SimpleUploadedFile("a.csv", good), "confirm": "on"},
    )
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="好店").exists()


def test_street_officer_cannot_open_the_import_page(client, world, officer_a):
    client.force_login(officer_a)
    assert client.get("/enterprises/import/").status_code == 403


def test_export_is_scoped_to_the_user(client, world, officer_a):
    client.force_login(officer_a)
    text = b"".join(client.get("/enterprises/export.csv").streaming_content).decode()
    assert world.enterprise_x.uscc in text and world.enterprise_y.uscc not in text
