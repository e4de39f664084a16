"""Import from CSV/XLSX: a dry run lists every bad row and writes nothing."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from enforcement import io as enterprise_io
from enforcement.models import Enterprise
from enforcement.services import enterprises_import
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db

HEADER = "统一社会信用代码,名称,行业,经度,纬度,街镇\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def test_dry_run_reports_each_bad_row_and_field_and_writes_nothing(world):
    data = _csv(
        f"{make_uscc(10)},好店,餐饮,121.41,31.21,甲街道",
        "91310000631696382D,坏码,餐饮,121.41,31.21,",
        f"{make_uscc(10)},重复,餐饮,121.41,31.21,",
        f"{make_uscc(11)},远店,餐饮,120.00,30.00,",
        f"{make_uscc(12)},无名街,餐饮,121.41,31.21,丙街道",
    )
    report = enterprises_import(
        rows=enterprise_io.read_rows(data, "x.csv"), dry_run=True
    )
    problems = {(e["row"], e["field"]) for e in report.errors}
    assert problems == {(3, "uscc"), (4, "uscc"), (5, "location"), (6, "street")}
    assert Enterprise.objects.count() == 2


def test_confirmed_import_with_a_bad_row_writes_nothing(world):
    data = _csv(f"{make_uscc(20)},好店,餐饮,121.41,31.21,", "bad,坏,餐饮,121.41,31.21,")
    report = enterprises_import(
        rows=enterprise_io.read_rows(data, "x.csv"), dry_run=False
    )
    assert not report.ok
    assert not Enterprise.objects.filter(uscc=make_uscc(20)).exists()


def test_confirmed_good_import_creates_and_updates(world):
    data = _csv(
        f"{make_uscc(21)},新店,餐饮,121.43,31.21,",
        f"{world.enterprise_x.uscc},甲餐厅改名,餐饮,121.41,31.21,",
    )
    report = enterprises_import(
        rows=enterprise_io.read_rows(data, "x.csv"), dry_run=False
    )
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    created = Enterprise.objects.get(uscc=make_uscc(21))
    assert created.street == world.street_b and created.grid_cell == world.cell_b
    world.enterprise_x.refresh_from_db()
    assert world.enterprise_x.name == "甲餐厅改名"


def test_xlsx_import_reads_the_same_columns(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["uscc", "name", "sector", "lon", "lat"])
    sheet.append([make_uscc(30), "表格店", "catering", 121.41, 31.21])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = enterprises_import(
        rows=enterprise_io.read_rows(buffer.getvalue(), "x.xlsx"), dry_run=False
    )
    assert report.ok and report.created == 1


def test_export_escapes_formulas_and_round_trips_through_import(world):
    world.enterprise_x.name = '=HYPERLINK("http://evil")'
    world.enterprise_x.save()
    text = "".join(
        enterprise_io.export_csv_lines(Enterprise.objects.select_related("street"))
    )
    assert "'=HYPERLINK" in text
    rows = enterprise_io.read_rows(text.encode("utf-8"), "export.csv")
    report = enterprises_import(rows=rows, dry_run=True)
    assert report.ok, report.errors
    assert report.updated == 2


def test_import_api_returns_400_listing_rows(api, world, bureau_officer):
    upload = io.BytesIO(_csv("bad,坏,餐饮,121.41,31.21,"))
    upload.name = "bad.csv"
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/import/",
        {"file": upload, "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.data["fields"]["rows"][0]["row"] == 2
    assert response.data["fields"]["rows"][0]["field"] == "uscc"


def test_xlsx_export_is_a_readable_workbook(world):
    data = enterprise_io.export_xlsx(Enterprise.objects.select_related("street"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 3
