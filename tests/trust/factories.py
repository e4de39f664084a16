"""Objects of every scoped model on every side of the personas' world.

The world (tests/conftest.py) has two streets of one district, A and B, each with a
grid cell, a street office and an enterprise (X in A, Y in B). This module adds a
third, *foreign* district with its own street, cell, office and enterprise, out of
every persona's scope, and then makes one object of every other scoped model
(every model whose manager is a ``core.models.ScopedQuerySet``) on each side:

- its foreign keys to world models point at that side's district, street, cell,
  office or enterprise;
- its foreign keys to other models point at that model's object of the same side,
  made first (recursively);
- everything else is filled by model_bakery (random valid values, choices from the
  field's choices).

So a ticket made on side A belongs to enterprise X in street A; on the foreign side
to an enterprise nobody but a superuser sees. Which persona may see which object is
never assumed here: the harness asks ``Model.objects.for_user(persona)``.

A model that model_bakery cannot make (a constraint it cannot satisfy) gets a recipe:
``FIELDS["app_label.ModelName"] = lambda side, made: {field: value}`` pins the
fields whose constraints random values break (coordinates, number formats,
quantities that must add up, states that need a partner field) and leaves the
foreign keys to the generic rules above; ``RECIPES["app_label.ModelName"] =
lambda side, world: <object>`` makes the whole object. The harness fails with that
hint rather than silently testing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db import models, transaction
from model_bakery import baker

from core.models import ScopedQuerySet
from enforcement.models import Enterprise, EnterpriseAccount
from grid.models import Agency, District, GridCell, Membership, Street
from tests.conftest import make_uscc, rectangle

PROJECT_APPS = (
    "core",
    "grid",
    "enforcement",
    "credit",
    "monitoring",
    "hazwaste",
    "screen",
    "exchange",
)
SIDES = ("A", "B", "F")  # street A, street B, foreign district
WORLD_MODELS = (District, Street, GridCell, Agency, Membership, Enterprise)

RECIPES: dict[str, Callable] = {}
FIELDS: dict[str, Callable[[str, dict], dict]] = {}
# Unscoped children a page names beside their parent ("tickets/<pk>/attachments/
# <attachment_id>/"), made with the parent.
CHILDREN: dict[str, Callable[[models.Model], None]] = {}


def is_scoped(model) -> bool:
    return isinstance(model._default_manager.all(), ScopedQuerySet)


def scoped_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and not model._meta.proxy
        and is_scoped(model)
    ]


@dataclass
class Population:
    """What was made, by model and side, and what could not be made (with why)."""

    by_side: dict[str, dict[type, models.Model]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def objects_of(self, model) -> list[models.Model]:
        return [made[model] for made in self.by_side.values() if model in made]


def _foreign_world(world) -> dict[type, models.Model]:
    district = District.objects.create(code="990000", name="外区")
    street = Street.objects.create(district=district, code="F", name="外街道")
    cell = GridCell.objects.create(
        street=street,
        code="F-001",
        name="外一",
        geometry=rectangle(120.00, 30.00, 120.02, 30.02),
        min_lon=120.00,
        min_lat=30.00,
        max_lon=120.02,
        max_lat=30.02,
    )
    office = Agency.objects.create(
        kind=Agency.Kind.STREET_OFFICE,
        name="外街道执法队",
        district=district,
        street=street,
    )
    enterprise = Enterprise.objects.create(
        uscc=make_uscc(990001),
        name="外区企业",
        sector="industrial",
        lon=120.01,
        lat=30.01,
        street=street,
        grid_cell=cell,
    )
    return {
        District: district,
        Street: street,
        GridCell: cell,
        Agency: office,
        Enterprise: enterprise,
    }


def _side_world(world, side: str) -> dict[type, models.Model]:
    if side == "A":
        return {
            District: world.district,
            Street: world.street_a,
            GridCell: world.cell_a,
            Agency: world.office_a,
            Enterprise: world.enterprise_x,
        }
    return {
        District: world.district,
        Street: world.street_b,
        GridCell: world.cell_b,
        Agency: world.office_b,
        Enterprise: world.enterprise_y,
    }


def _make(model, side: str, made: dict, world, population, making: set):
    if model in made:
        return made[model]
    label = model._meta.label
    if label in population.failures or model in making:
        return None
    making.add(model)
    try:
        if label in RECIPES:
            obj = RECIPES[label](side, world)
        else:
            values = {}
            for f in model._meta.concrete_fields:
                if not f.is_relation or f.related_model is None:
                    continue
                target = f.related_model
                if (
                    target not in made
                    and not is_scoped(target)
                    and target._meta.app_label in PROJECT_APPS
                    and target._default_manager.exists()
                ):
                    # Reference data (schemes, catalogues) usually ships with
                    # migrations: use it rather than inventing a clashing row.
                    values[f.name] = target._default_manager.order_by("pk").first()
                    continue
                if target in made or (
                    target._meta.app_label in PROJECT_APPS
                    and not f.null
                    and target is not model
                ):
                    related = _make(target, side, made, world, population, making)
                    if related is not None:
                        values[f.name] = related
            if label in FIELDS:
                values.update(FIELDS[label](side, made))
            with transaction.atomic():
                obj = baker.make(model, **values)
        made[model] = obj
        if label in CHILDREN:
            CHILDREN[label](obj)
        return obj
    except Exception as error:  # noqa: BLE001 - reported with a hint to add a recipe
        population.failures[label] = f"{type(error).__name__}: {error}"
        return None
    finally:
        making.discard(model)


def populate(world) -> Population:
    """One object of every scoped model on sides A, B and the foreign side F."""
    population = Population()
    foreign = _foreign_world(world)
    for side in SIDES:
        made = dict(foreign) if side == "F" else _side_world(world, side)
        if side == "F":
            account_user = baker.make("auth.User")
            EnterpriseAccount.objects.create(
                user=account_user, enterprise=foreign[Enterprise]
            )
        for model in scoped_models():
            if model in WORLD_MODELS or model is EnterpriseAccount:
                continue
            _make(model, side, made, world, population, set())
        population.by_side[side] = made
    return population


# Schemes ship as data (sector + version are unique): each side gets its own version.
RECIPES["credit.Scheme"] = lambda side, world: baker.make(
    "credit.Scheme", sector="catering", version=100 + SIDES.index(side)
)


def _at_enterprise(made: dict) -> dict:
    """A point where the side's enterprise is (inside its grid cell)."""
    enterprise = made[Enterprise]
    return {"lon": enterprise.lon, "lat": enterprise.lat}


# grid_ticket_location_valid, grid_ticket_merged_has_original: a dispatched
# complaint at the side's enterprise, merged into nothing.
FIELDS["grid.Ticket"] = lambda side, made: {
    **_at_enterprise(made),
    "source": "citizen_web",
    "status": "dispatched",
    "queue": "officer",
    "escalation_level": 0,
    "merged_into": None,
}

# monitoring_station_*: an enterprise monitor (wastewater outlet) at the side's
# enterprise, so staff see it by street and the enterprise by its account.
FIELDS["monitoring.Station"] = lambda side, made: {
    **_at_enterprise(made),
    "kind": "outlet",
    "status": "active",
    "enterprise": made[Enterprise],
    "water_body": "",
    "water_target": "",
    "noise_zone": "",
    "mn": None,
}
FIELDS["monitoring.Sensor"] = lambda side, made: {
    "parameter": "COD",
    "unit": "mg/L",
    "interval_s": 60,
    "valid_min": 0.0,
    "valid_max": 1000.0,
}
FIELDS["monitoring.Reading"] = lambda side, made: {"flag": "N", "quality": "raw"}
# monitoring_rule_has_target / _hysteresis_valid: a COD threshold on the side's
# station that clears below the threshold.
FIELDS["monitoring.Rule"] = lambda side, made: {
    "kind": "parameter",
    "parameter": "COD",
    "direction": "above",
    "threshold": 100.0,
    "clear_threshold": 90.0,
    "window_minutes": 10,
    "severity": "warning",
    "ticket_category": "wastewater",
    "station_kind": "",
}
FIELDS["monitoring.Alarm"] = lambda side, made: {
    "status": "open",
    "ended_at": None,
    "dispatch_status": "pending",
}

# hazwaste_receiver_permit_dates, _capacity_not_negative
FIELDS["hazwaste.Receiver"] = lambda side, made: {
    "permit_valid_from": date(2025, 1, 1),
    "permit_valid_until": date(2030, 12, 31),
    "annual_capacity_kg": Decimal("100000"),
}
FIELDS["hazwaste.StorageFacility"] = lambda side, made: {"capacity_kg": Decimal("5000")}
# hazwaste_container_stages_add_up: 120 kg generated, not yet stored.
FIELDS["hazwaste.Container"] = lambda side, made: {
    "label_code": f"HW{SIDES.index(side) + 1:05d}-0000ABCD",  # labels are upper case
    "status": "generated",
    "unit": "kg",
    "quantity": Decimal("120"),
    "quantity_kg": Decimal("120"),
    "pending_kg": Decimal("120"),
    "in_storage_kg": Decimal("0"),
    "awaiting_kg": Decimal("0"),
    "shipped_kg": Decimal("0"),
    "facility": None,
}
FIELDS["hazwaste.LedgerEntry"] = lambda side, made: {
    "kind": "generation",
    "unit": "kg",
    "quantity": Decimal("120"),
    "quantity_kg": Decimal("120"),
    "manifest": None,
}
# hazwaste_manifest_number_format: 14 digits (year, region, serial), one per side.
FIELDS["hazwaste.Manifest"] = lambda side, made: {
    "number": f"2026310400{SIDES.index(side) + 1:04d}",
    "status": "draft",
    "outcome": "",
    "shipped_kg": Decimal("120"),
    "received_kg": None,
}
FIELDS["hazwaste.AnomalyWarning"] = lambda side, made: {"status": "open"}


def _ticket_attachment(ticket) -> None:
    from django.core.files.base import ContentFile

    baker.make(
        "grid.TicketAttachment",
        ticket=ticket,
        transition=None,
        kind="document",
        content_type="application/pdf",
        file=ContentFile(b"%PDF-1.4 evidence", name="evidence.pdf"),
    )


CHILDREN["grid.Ticket"] = _ticket_attachment


# Credit evidence: appeals and repairs carry their file, an evaluation an answer
# with one, as the enterprise's uploads make them.
def _evidence():
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4 evidence", name="evidence.pdf")


FIELDS["credit.Appeal"] = lambda side, made: {"evidence": _evidence()}
FIELDS["credit.RepairRequest"] = lambda side, made: {"evidence": _evidence()}


def _answer_with_evidence(evaluation) -> None:
    baker.make(
        "credit.Answer",
        evaluation=evaluation,
        item=baker.make("credit.SchemeItem", scheme=evaluation.cycle.scheme),
        value="yes",
        evidence=_evidence(),
    )


CHILDREN["credit.Evaluation"] = _answer_with_evidence


def _export_file(side, world):
    """A scheduled export file that exists on disk, so a download can succeed."""
    from pathlib import Path

    from django.conf import settings

    district = District.objects.get(code="990000") if side == "F" else world.district
    relative = f"{district.code}/enterprises-harness-{side}.json"
    path = Path(settings.EXCHANGE_EXPORT_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(  # as the scheduled export writes it
        '{"dataset": "enterprises", "updated_since": null, '
        '"updated_until": "2026-01-01T00:00:00Z", '
        '"watermark": "2026-01-01T00:00:00Z", "items": [], "deleted": []}'
    )
    return baker.make(
        "exchange.ExportFile",
        district=district,
        dataset="enterprises",
        file_format="json",
        path=relative,
    )


RECIPES["exchange.ExportFile"] = _export_file


# Joint enforcement: a case on each side is led by that side's street office at
# that side's enterprise; its records hang off it (check constraints need valid
# coordinates, a reason on a declined invitation, one record per signature).
def _joint_side(side: str, world):
    if side == "A":
        return world.office_a, world.enterprise_x
    if side == "B":
        return world.office_b, world.enterprise_y
    enterprise = Enterprise.objects.get(uscc=make_uscc(990001))
    return Agency.objects.get(street=enterprise.street), enterprise


def _joint_case(side: str, world):
    from enforcement.models import JointCase

    agency, enterprise = _joint_side(side, world)
    existing = JointCase.objects.filter(reference=f"LHTRUST{side}").first()
    if existing is not None:
        return existing
    return baker.make(
        "enforcement.JointCase",
        reference=f"LHTRUST{side}",
        origin="ticket",
        status="open",
        lead_agency=agency,
        enterprise=enterprise,
        street=enterprise.street,
        lon=enterprise.lon,
        lat=enterprise.lat,
        shared_sections=[],
    )


def _joint_action(side: str, world):
    from enforcement.models import JointAction

    case = _joint_case(side, world)
    return JointAction.objects.filter(case=case).first() or baker.make(
        "enforcement.JointAction", case=case, status="draft"
    )


def _joint_measure(side: str, world):
    from enforcement.models import JointMeasure

    action = _joint_action(side, world)
    agency, _enterprise = _joint_side(side, world)
    return JointMeasure.objects.filter(action=action).first() or baker.make(
        "enforcement.JointMeasure",
        case=action.case,
        action=action,
        issuing_agency=agency,
        kind="rectification",
        status="signed",
        issued_on=action.starts_at.date(),  # signing sets it
        deadline=action.starts_at.date(),
        halt_from=None,
        halt_until=None,
        amends=None,
    )


RECIPES["enforcement.JointCase"] = _joint_case
# A photo is never without its file (the upload makes both).
FIELDS["enforcement.InspectionPhoto"] = lambda side, made: {
    "content_type": "image/jpeg",
    "_create_files": True,
}
RECIPES["enforcement.JointAction"] = _joint_action
RECIPES["enforcement.JointMeasure"] = _joint_measure
RECIPES["enforcement.JointInvitation"] = lambda side, world: baker.make(
    "enforcement.JointInvitation",
    case=_joint_case(side, world),
    agency=_joint_side(side, world)[0],
    status="sent",
)
RECIPES["enforcement.JointSignature"] = lambda side, world: baker.make(
    "enforcement.JointSignature",
    case=_joint_case(side, world),
    measure=_joint_measure(side, world),
    action=None,
    agency=_joint_side(side, world)[0],
    role="issuer",
)
RECIPES["enforcement.JointTimelineEntry"] = lambda side, world: baker.make(
    "enforcement.JointTimelineEntry",
    case=_joint_case(side, world),
    agency=_joint_side(side, world)[0],
)
RECIPES["enforcement.JointRecheck"] = lambda side, world: baker.make(
    "enforcement.JointRecheck",
    case=_joint_case(side, world),
    measure=_joint_measure(side, world),
    status="open",
    ticket=None,
    inspection=None,
)
RECIPES["enforcement.JointEvidence"] = lambda side, world: baker.make(
    "enforcement.JointEvidence",
    case=_joint_case(side, world),
    action=_joint_action(side, world),
    agency=_joint_side(side, world)[0],
    content_type="image/png",
    _create_files=True,
)
