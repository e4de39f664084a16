"""Enterprise import/export files (CSV and XLSX) with the same columns both ways."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidInput
from core.i18n import labels_in_all_languages
from enforcement.models import Enterprise

# canonical key -> header label; the export writes the labels, the import reads
# either the labels (in any language) or the keys.
COLUMNS = {
    "uscc": gettext_lazy("unified social credit code"),
    "name": gettext_lazy("name"),
    "sector": gettext_lazy("sector"),
    "status": gettext_lazy("status"),
    "address": gettext_lazy("address"),
    "lon": gettext_lazy("longitude (WGS-84)"),
    "lat": gettext_lazy("latitude (WGS-84)"),
    "street": gettext_lazy("street"),
    "contact_name": gettext_lazy("person in charge"),
    "contact_phone": gettext_lazy("contact phone"),
    "property_manager": gettext_lazy("property manager"),
    "permit_number": gettext_lazy("discharge permit number"),
    "permit_valid_until": gettext_lazy("permit valid until"),
}
# Short headers people type by hand, beside the labels in every language.
HEADER_ALIASES = {"经度": "lon", "纬度": "lat", "longitude": "lon", "latitude": "lat"}
MAX_ROWS = 100_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _header_key(label, lookup: dict[str, str]) -> str | None:
    text = str(label or "").strip()
    return (
        lookup.get(text) or lookup.get(text.lower()) or HEADER_ALIASES.get(text.lower())
    )


def _rows_from_table(table: Iterable[Iterable]) -> list[dict]:
    iterator = iter(table)
    try:
        header = next(iterator)
    except StopIteration:
        raise InvalidInput(fields={"file": [_("The file is empty.")]}) from None
    lookup = labels_in_all_languages(COLUMNS.items())
    keys = [_header_key(cell, lookup) for cell in header]
    if "uscc" not in keys:
        raise InvalidInput(
            fields={
                "file": [
                    _("No column for the unified social credit code in the header row.")
                ]
            }
        )
    rows = []
    for values in iterator:
        values = list(values)
        if not any(str(v or "").strip() for v in values):
            continue
        rows.append(
            {key: value for key, value in zip(keys, values, strict=False) if key}
        )
        if len(rows) > MAX_ROWS:
            raise InvalidInput(
                fields={"file": [_("At most %(n)d rows per file.") % {"n": MAX_ROWS}]}
            )
    return rows


def read_rows(data: bytes, filename: str) -> list[dict]:
    """Rows from an uploaded CSV or XLSX file, chosen by content, not by name."""
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - any broken workbook is a bad file
            raise InvalidInput(
                fields={"file": [_("This is not a readable XLSX file.")]}
            ) from error
        return _rows_from_table(workbook.active.iter_rows(values_only=True))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                fields={"file": [_("The CSV file must be UTF-8 or GB18030 text.")]}
            ) from error
    return _rows_from_table(csv.reader(io.StringIO(text)))


def _safe(value) -> str:
    """Neutralise spreadsheet formulas in exported text (CSV/formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _export_values(enterprise: Enterprise) -> list:
    return [
        enterprise.uscc,
        enterprise.name,
        enterprise.get_sector_display(),
        enterprise.get_status_display(),
        enterprise.address,
        enterprise.lon,
        enterprise.lat,
        enterprise.street.name,
        enterprise.contact_name,
        enterprise.contact_phone,
        enterprise.property_manager,
        enterprise.permit_number,
        enterprise.permit_valid_until.isoformat()
        if enterprise.permit_valid_until
        else "",
    ]


def export_csv_lines(enterprises: Iterable[Enterprise]) -> Iterator[str]:
    """CSV text, line by line, for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
    writer.writerow([str(label) for label in COLUMNS.values()])
    yield flush()
    for enterprise in enterprises:
        writer.writerow(
            [_safe(v) if isinstance(v, str) else v for v in _export_values(enterprise)]
        )
        yield flush()


def export_xlsx(enterprises: Iterable[Enterprise]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([str(label) for label in COLUMNS.values()])
    for enterprise in enterprises:
        sheet.append(
            [_safe(v) if isinstance(v, str) else v for v in _export_values(enterprise)]
        )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
