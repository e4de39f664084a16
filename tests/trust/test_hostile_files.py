"""Hostile spreadsheets: an XML bomb inside an XLSX is refused without expanding,
and formulas from a cell are never handed back as formulas."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from core.errors import InvalidInput
from enforcement import io as registry_io
from enforcement.models import Enterprise

BOMB = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>
</sheetData></worksheet>"""


def workbook_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_part_replaced(data: bytes, part: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = content if item.filename == part else source.read(item.filename)
            target.writestr(item, body)
    return output.getvalue()


def test_defusedxml_is_what_openpyxl_parses_with():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_an_xml_bomb_in_a_worksheet_is_refused_as_a_bad_file():
    good = workbook_bytes([["uscc", "name"], ["x", "y"]])
    bomb = with_part_replaced(good, "xl/worksheets/sheet1.xml", BOMB)
    with pytest.raises(InvalidInput) as error:
        registry_io.read_rows(bomb, "bomb.xlsx")
    assert "file" in error.value.fields


@pytest.mark.parametrize("part", ["xl/workbook.xml", "[Content_Types].xml"])
def test_an_xml_bomb_in_any_other_part_is_refused_too(part):
    good = workbook_bytes([["uscc", "name"], ["x", "y"]])
    bomb = with_part_replaced(good, part, BOMB.replace(b"worksheet", b"workbook"))
    with pytest.raises(InvalidInput):
        registry_io.read_rows(bomb, "bomb.xlsx")


def test_a_formula_cell_is_read_as_its_text_and_escaped_on_export(world):
    data = workbook_bytes(
        [
            ["uscc", "name", "sector", "lon", "lat"],
            [
                "91310104MA0000003X",
                '=HYPERLINK("http://evil","点我")',
                "catering",
                1,
                2,
            ],
        ]
    )
    rows = registry_io.read_rows(data, "x.xlsx")
    name = rows[0]["name"]
    # read with data_only: a formula never evaluates here; at most its text comes in
    assert name is None or str(name).startswith("=")
    enterprise = world.enterprise_x
    Enterprise.objects.filter(pk=enterprise.pk).update(name='=HYPERLINK("x")')
    enterprise.refresh_from_db()
    csv_text = "".join(registry_io.export_csv_lines([enterprise]))
    assert "'=HYPERLINK" in csv_text
    assert ",=HYPERLINK" not in csv_text
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(registry_io.export_xlsx([enterprise]))).active
    exported = [cell.value for cell in sheet[2]]
    assert '\'=HYPERLINK("x")' in exported
    assert all(cell.data_type != "f" for cell in sheet[2])


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_every_formula_prefix_is_neutralised_on_export(prefix):
    assert registry_io._safe(prefix + "1+1").startswith("'")
