"""The waste catalogue: resolving a code as of a date, loading an edition."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from hazwaste.models import CatalogueEdition, WasteCategory, WasteCode

CHARACTERISTICS = set(WasteCode.CHARACTERISTICS)


def edition_in_force(*, on: date) -> CatalogueEdition | None:
    return (
        CatalogueEdition.objects.filter(effective_from__lte=on)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))
        .order_by("-effective_from")
        .first()
    )


def waste_code_resolve(*, code: str, on: date, field: str = "waste_code") -> WasteCode:
    """The code in the edition in force on ``on``; 400 naming ``field`` when the
    code is unknown or only in an edition no longer in force."""
    code = (code or "").strip()
    edition = edition_in_force(on=on)
    found = (
        WasteCode.objects.select_related("category").filter(edition=edition, code=code)
        if edition
        else WasteCode.objects.none()
    ).first()
    if found is not None:
        return found
    if WasteCode.objects.filter(code=code).exists():
        raise InvalidInput(
            fields={
                field: [
                    _("Waste code %(code)s is obsolete: not in the list in force.")
                    % {"code": code}
                ]
            }
        )
    raise InvalidInput(
        fields={field: [_("Unknown waste code %(code)s.") % {"code": code}]}
    )


def catalogue_ensure_shipped() -> None:
    """Load the shipped edition (categories and common codes) if it is missing,
    e.g. after the database was emptied; the first migration ships it too."""
    from hazwaste.catalogue_data import (
        ANY_INDUSTRY,
        CATEGORIES,
        COMMON_CODES,
        EDITION_2025,
    )

    if WasteCode.objects.filter(edition__code=EDITION_2025["code"]).exists():
        return
    catalogue_load(
        edition_code=EDITION_2025["code"],
        name=EDITION_2025["name"],
        effective_from=date.fromisoformat(EDITION_2025["effective_from"]),
        effective_until=None,
        categories=CATEGORIES,
        rows=[
            {
                "code": code,
                "short_name": short_name,
                "description": description,
                "characteristics": characteristics,
                "exemption_note": note,
                "industry": ANY_INDUSTRY if code.startswith("900") else "",
            }
            for code, short_name, description, characteristics, note in COMMON_CODES
        ],
    )


def parse_characteristics(value: str) -> str:
    parts = [p.strip() for p in str(value).replace("/", ",").split(",") if p.strip()]
    normalised = []
    for part in parts:
        match = next((c for c in CHARACTERISTICS if c.lower() == part.lower()), None)
        if match is None:
            raise ValueError(part)
        normalised.append(match)
    if not normalised:
        raise ValueError(value)
    return ",".join(normalised)


@transaction.atomic
def catalogue_load(
    *,
    edition_code: str,
    name: str,
    effective_from: date,
    effective_until: date | None,
    categories: dict[str, str],
    rows: list[dict],
) -> tuple[CatalogueEdition, int]:
    """Create or refresh one edition from rows (category, code, description,
    characteristics, optional industry, short_name, exemption_note). Every bad
    row is reported; nothing is written unless all are good."""
    import re

    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        code = str(row.get("code", "")).strip()
        problems = []
        if not re.fullmatch(r"\d{3}-\d{3}-\d{2}", code):
            problems.append(_("code must look like 900-214-08"))
        elif f"HW{code[-2:]}" not in categories:
            problems.append(_("category HW%(c)s is not in the file") % {"c": code[-2:]})
        if code in seen:
            problems.append(_("duplicate code"))
        seen.add(code)
        if not str(row.get("description", "")).strip():
            problems.append(_("description is required"))
        try:
            parse_characteristics(row.get("characteristics", ""))
        except ValueError:
            problems.append(_("characteristics must be among T, C, I, R, In"))
        if problems:
            errors[f"row {number}"] = problems
    if errors:
        raise InvalidInput(_("The catalogue file has errors."), fields=errors)

    edition, _created = CatalogueEdition.objects.update_or_create(
        code=edition_code,
        defaults={
            "name": name,
            "effective_from": effective_from,
            "effective_until": effective_until,
        },
    )
    category_ids = {}
    for code, category_name in categories.items():
        category, _new = WasteCategory.objects.update_or_create(
            edition=edition, code=code, defaults={"name": category_name}
        )
        category_ids[code] = category.pk
    for row in rows:
        code = str(row["code"]).strip()
        WasteCode.objects.update_or_create(
            edition=edition,
            code=code,
            defaults={
                "category_id": category_ids[f"HW{code[-2:]}"],
                "industry": str(row.get("industry") or "").strip(),
                "description": str(row["description"]).strip(),
                "short_name": str(row.get("short_name") or "").strip(),
                "characteristics": parse_characteristics(row["characteristics"]),
                "exemption_note": str(row.get("exemption_note") or "").strip(),
            },
        )
    return edition, len(rows)
