"""Writes for the enterprise registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.i18n import labels_in_all_languages
from enforcement.models import Enterprise
from enforcement.validators import normalize_uscc, validate_uscc
from grid.models import GridCell, Street
from grid.selectors import grid_cell_index

EDITABLE_FIELDS = (
    "name",
    "sector",
    "status",
    "address",
    "contact_name",
    "contact_phone",
    "property_manager",
    "permit_number",
    "permit_valid_until",
)


def _locate(*, lon: float, lat: float) -> GridCell:
    cell_id = grid_cell_index().locate(lon, lat)
    if cell_id is None:
        raise InvalidInput(
            fields={
                "location": [
                    _("The location is outside every grid cell of the district.")
                ]
            }
        )
    return GridCell.objects.select_related("street").get(pk=cell_id)


def _full_clean(enterprise: Enterprise) -> None:
    try:
        enterprise.full_clean(validate_unique=True)
    except ValidationError as error:
        raise InvalidInput(fields=error.message_dict) from error


@transaction.atomic
def enterprise_create(
    *, uscc: str, name: str, sector: str, lon: float, lat: float, **data
) -> Enterprise:
    """Register an enterprise; its street and grid cell come from the location."""
    cell = _locate(lon=lon, lat=lat)
    enterprise = Enterprise(
        uscc=normalize_uscc(uscc),
        name=name,
        sector=sector,
        lon=lon,
        lat=lat,
        street=cell.street,
        grid_cell=cell,
        **{key: value for key, value in data.items() if key in EDITABLE_FIELDS},
    )
    _full_clean(enterprise)
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, **data) -> Enterprise:
    """Change the plain facts of an enterprise (not its code or location)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            fields={name: [_("This field cannot be changed here.")] for name in unknown}
        )
    for key, value in data.items():
        setattr(enterprise, key, value)
    _full_clean(enterprise)
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_set_location(
    *,
    enterprise: Enterprise,
    lon: float,
    lat: float,
    street: Street | None = None,
    grid_cell: GridCell | None = None,
    note: str = "",
) -> Enterprise:
    """Move an enterprise. Street and cell follow the location unless set by hand,
    which needs a reason and is recorded as an override."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if street is None and grid_cell is None:
        cell = _locate(lon=lon, lat=lat)
        enterprise.street, enterprise.grid_cell = cell.street, cell
        enterprise.location_override, enterprise.location_override_note = False, ""
    else:
        if not note.strip():
            raise InvalidInput(
                fields={
                    "note": [_("Give a reason for setting the street or cell by hand.")]
                }
            )
        if (
            grid_cell is not None
            and street is not None
            and grid_cell.street_id != street.pk
        ):
            raise InvalidInput(
                fields={"grid_cell": [_("The grid cell is not in that street.")]}
            )
        enterprise.grid_cell = grid_cell
        enterprise.street = street or grid_cell.street
        enterprise.location_override, enterprise.location_override_note = (
            True,
            note.strip(),
        )
    enterprise.lon, enterprise.lat = lon, lat
    _full_clean(enterprise)
    enterprise.save()
    return enterprise


# ----------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import did or would do. ``errors`` name the row and field."""

    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(
        default_factory=list
    )  # {"row": n, "field": ..., "message": ...}

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_float(value) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def enterprises_import(
    *, rows: list[dict], dry_run: bool = True, district_id: int | None = None
) -> ImportReport:
    """Check every row (code, duplicates, street, location inside the district) and,
    only if all are good and ``dry_run`` is off, write them in one transaction.

    Rows are dicts keyed by the canonical column names of enforcement.io.COLUMNS.
    An existing USCC updates that enterprise; a row's street that differs from the
    one its location falls in is kept and recorded as a manual override.
    """
    report = ImportReport(dry_run=dry_run, total=len(rows))
    index = grid_cell_index()
    cells = GridCell.objects.select_related("street").in_bulk()
    streets = (
        Street.objects.all()
        if district_id is None
        else Street.objects.filter(district_id=district_id)
    )
    streets_by_key = {}
    for street in streets:
        streets_by_key[street.code] = street
        streets_by_key[street.name] = street
    existing = dict(Enterprise.objects.values_list("uscc", "id"))
    sectors = set(Enterprise.Sector.values)
    statuses = set(Enterprise.Status.values)
    sector_by_label = labels_in_all_languages(Enterprise.Sector.choices)
    status_by_label = labels_in_all_languages(Enterprise.Status.choices)

    seen: dict[str, int] = {}
    good: list[Enterprise] = []

    for number, row in enumerate(rows, start=2):  # row 1 is the header
        problems: list[tuple[str, str]] = []
        uscc = normalize_uscc(row.get("uscc", ""))
        try:
            validate_uscc(uscc)
        except ValidationError as error:
            problems.append(("uscc", " ".join(error.messages)))
        else:
            if uscc in seen:
                problems.append(
                    ("uscc", _("duplicate of row %(row)d") % {"row": seen[uscc]})
                )
            seen.setdefault(uscc, number)
        name = str(row.get("name") or "").strip()
        if not name:
            problems.append(("name", _("name is required")))
        sector = str(row.get("sector") or "").strip()
        sector = sector_by_label.get(sector.lower(), sector)
        if sector not in sectors:
            problems.append(
                ("sector", _("unknown sector %(value)s") % {"value": sector})
            )
        status = str(row.get("status") or "operating").strip()
        status = status_by_label.get(status.lower(), status)
        if status not in statuses:
            problems.append(
                ("status", _("unknown status %(value)s") % {"value": status})
            )
        lon, lat = _parse_float(row.get("lon")), _parse_float(row.get("lat"))
        cell = None
        if lon is None or lat is None:
            problems.append(
                ("location", _("longitude and latitude are required numbers"))
            )
        else:
            cell_id = index.locate(lon, lat)
            cell = cells.get(cell_id) if cell_id is not None else None
            if cell is None or (
                district_id is not None and cell.street.district_id != district_id
            ):
                problems.append(("location", _("the location is outside the district")))
        street_key = str(row.get("street") or "").strip()
        street = streets_by_key.get(street_key) if street_key else None
        if street_key and street is None:
            problems.append(
                ("street", _("unknown street %(value)s") % {"value": street_key})
            )
        try:
            permit_valid_until = _parse_date(row.get("permit_valid_until"))
        except ValueError:
            problems.append(
                ("permit_valid_until", _("expected a date like 2027-12-31"))
            )
            permit_valid_until = None

        if problems:
            report.errors.extend(
                {"row": number, "field": f, "message": str(m)} for f, m in problems
            )
            continue

        override = street is not None and street.pk != cell.street_id
        good.append(
            Enterprise(
                id=existing.get(uscc),
                uscc=uscc,
                name=name,
                sector=sector,
                status=status,
                lon=lon,
                lat=lat,
                street=street or cell.street,
                grid_cell=cell,
                location_override=override,
                location_override_note=_("street given in import") if override else "",
                address=str(row.get("address") or "").strip(),
                contact_name=str(row.get("contact_name") or "").strip(),
                contact_phone=str(row.get("contact_phone") or "").strip(),
                property_manager=str(row.get("property_manager") or "").strip(),
                permit_number=str(row.get("permit_number") or "").strip(),
                permit_valid_until=permit_valid_until,
            )
        )

    report.updated = sum(1 for e in good if e.id)
    report.created = len(good) - report.updated
    if dry_run or report.errors:
        return report

    with transaction.atomic():
        new = [e for e in good if not e.id]
        Enterprise.objects.bulk_create(new, batch_size=2000)
        changed = [e for e in good if e.id]
        now = timezone.now()
        for enterprise in changed:
            enterprise.updated_at = now  # bulk_update skips auto_now
        Enterprise.objects.bulk_update(
            changed,
            [
                "updated_at",
                "name",
                "sector",
                "status",
                "lon",
                "lat",
                "street",
                "grid_cell",
                "location_override",
                "location_override_note",
                "address",
                "contact_name",
                "contact_phone",
                "property_manager",
                "permit_number",
                "permit_valid_until",
            ],
            batch_size=2000,
        )
    return report
