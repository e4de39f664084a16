"""Importing the city's shared lists tags the district's enterprises."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange.models import CityList, CityListEntry, CityListImport
from grid.models import Membership
from tests.conftest import make_uscc

URL = "/api/v1/exchange/city-list-imports/"
pytestmark = pytest.mark.usefixtures("city_lists")


def upload(lines: list[str], name: str = "list.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, "\n".join(lines).encode(encoding), "text/csv")


@pytest.fixture
def key_list():
    return CityList.objects.get(code="key-supervision")


def tagged(city_list) -> set[str]:
    return set(
        CityListEntry.objects.filter(city_list=city_list).values_list(
            "enterprise__uscc", flat=True
        )
    )


def test_the_default_city_lists_exist():
    assert set(CityList.objects.values_list("name", flat=True)) >= {
        "重点监管企业",
        "正面清单",
    }


def test_import_tags_known_enterprises_and_reports_unknown_codes(
    api, bureau_admin, world, key_list, foreign_enterprise
):
    other_district_code = make_uscc(5555)
    response = api(bureau_admin).post(
        URL,
        {
            "city_list": "key-supervision",
            "file": upload(
                [
                    "统一社会信用代码,企业名称,备注",
                    f"{world.enterprise_x.uscc},甲餐厅,",
                    f"{other_district_code},外区企业,",
                    f"{foreign_enterprise.uscc},邻市工厂,",
                ]
            ),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["tagged"] == 1 and report["added"] == 1
    assert report["unknown_count"] == 2
    assert set(report["unknown_usccs"]) == {
        other_district_code,
        foreign_enterprise.uscc,
    }
    assert tagged(key_list) == {world.enterprise_x.uscc}
    record = CityListImport.objects.get()
    assert record.imported_by == bureau_admin and record.district == world.district
    assert len(record.file_sha256) == 64


def test_a_new_import_replaces_the_district_part_of_the_list(
    api, bureau_admin, world, key_list
):
    client = api(bureau_admin)
    client.post(
        URL,
        {
            "city_list": "key-supervision",
            "file": upload(["uscc", world.enterprise_x.uscc]),
        },
        format="multipart",
    )
    response = client.post(
        URL,
        {
            "city_list": "key-supervision",
            "file": upload(["uscc", world.enterprise_y.uscc]),
        },
        format="multipart",
    )
    assert response.json()["added"] == 1 and response.json()["removed"] == 1
    assert tagged(key_list) == {world.enterprise_y.uscc}


def test_an_invalid_code_refuses_the_whole_file(api, bureau_admin, world, key_list):
    response = api(bureau_admin).post(
        URL,
        {
            "city_list": "key-supervision",
            "file": upload(["uscc", world.enterprise_x.uscc, "91310104MA000000I1"]),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "3" in response.json()["fields"]["rows"]
    assert tagged(key_list) == set()
    assert not CityListImport.objects.exists()


def test_a_file_without_a_code_column_is_refused(api, bureau_admin, world):
    response = api(bureau_admin).post(
        URL,
        {"city_list": "key-supervision", "file": upload(["name", "甲餐厅"])},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_a_dry_run_reports_and_applies_nothing(api, bureau_admin, world, key_list):
    response = api(bureau_admin).post(
        URL,
        {
            "city_list": "positive-list",
            "file": upload(["uscc", world.enterprise_x.uscc]),
            "dry_run": True,
        },
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json()["added"] == 1 and response.json()["id"] is None
    assert not CityListEntry.objects.exists()


def test_a_gb18030_file_and_an_xlsx_file_are_read(api, bureau_admin, world, key_list):
    from openpyxl import Workbook

    client = api(bureau_admin)
    response = client.post(
        URL,
        {
            "city_list": "key-supervision",
            "file": upload(
                ["统一社会信用代码", world.enterprise_x.uscc], encoding="gb18030"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    book = Workbook()
    book.active.append(["统一社会信用代码"])
    book.active.append([world.enterprise_y.uscc])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        URL,
        {
            "city_list": "key-supervision",
            "file": SimpleUploadedFile("list.xlsx", buffer.getvalue()),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert tagged(key_list) == {world.enterprise_y.uscc}


def test_only_a_bureau_administrator_imports(api, bureau_officer, officer_a, world):
    for user in (bureau_officer, officer_a):
        response = api(user).post(
            URL,
            {
                "city_list": "key-supervision",
                "file": upload(["uscc", world.enterprise_x.uscc]),
            },
            format="multipart",
        )
        assert response.status_code == 403


def test_an_administrator_cannot_apply_a_list_to_another_district(
    api, bureau_admin, world
):
    response = api(bureau_admin).post(
        URL,
        {
            "city_list": "key-supervision",
            "district": world.partner_district.pk,
            "file": upload(["uscc", world.enterprise_x.uscc]),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "district" in response.json()["fields"]


def test_tags_show_in_the_entry_list_and_the_enterprise_timeline(
    api, bureau_admin, bureau_officer, officer_b, world
):
    api(bureau_admin).post(
        URL,
        {
            "city_list": "positive-list",
            "file": upload(["uscc", world.enterprise_x.uscc]),
        },
        format="multipart",
    )
    rows = api(bureau_officer).get("/api/v1/exchange/city-list-entries/").json()
    assert [(r["city_list"], r["uscc"]) for r in rows["results"]] == [
        ("positive-list", world.enterprise_x.uscc)
    ]
    from enforcement.selectors import enterprise_timeline

    events = enterprise_timeline(enterprise=world.enterprise_x, user=bureau_officer)
    assert any("正面清单" in str(e.title) for e in events)
    assert Membership.objects.filter(user=officer_b).exists()
    assert api(officer_b).get("/api/v1/exchange/city-list-entries/").status_code == 403
