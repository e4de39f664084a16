"""Writes for inspection planning (双随机): plans, the draw, closing, recusals."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from enforcement import draw as draw_module
from enforcement.models import (
    Colour,
    Enterprise,
    InspectionPlan,
    PlanAssignment,
    PlanTarget,
    Recusal,
    RiskModel,
)
from grid.models import Agency, District, Membership, Street
from grid.selectors import user_scope


def plan_inputs(
    *,
    district: District,
    model: RiskModel,
    period_start: date,
    period_end: date,
    streets: list[Street],
    sectors: list[str],
    inspectors_per_target: int,
) -> dict:
    """Everything the draw depends on, frozen: candidates with their colour,
    the inspector pool, recusals and each candidate's previous inspectors."""
    enterprises = Enterprise.objects.filter(
        street__district=district, status=Enterprise.Status.OPERATING
    )
    if streets:
        enterprises = enterprises.filter(street__in=streets)
    if sectors:
        enterprises = enterprises.filter(sector__in=sectors)
    candidates = [
        [pk, colour or Colour.GREEN]
        for pk, colour in enterprises.order_by("pk").values_list(
            "pk", "health_code__colour"
        )
    ]
    candidate_ids = {pk for pk, _colour in candidates}
    inspectors = sorted(
        set(
            Membership.objects.active()
            .filter(
                role=Membership.Role.BUREAU_OFFICER,
                agency__kind=Agency.Kind.BUREAU,
                agency__district=district,
            )
            .values_list("user_id", flat=True)
        )
    )
    recusals = sorted(
        [e, u]
        for e, u in Recusal.objects.filter(
            enterprise__street__district=district
        ).values_list("enterprise_id", "officer_id")
        if e in candidate_ids
    )
    last_targets = (
        PlanTarget.objects.filter(enterprise__street__district=district)
        .values("enterprise")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    previous: dict[int, list[int]] = {}
    for enterprise_id, user_id in PlanAssignment.objects.filter(
        target__in=last_targets
    ).values_list("target__enterprise_id", "officer_id"):
        if enterprise_id in candidate_ids:
            previous.setdefault(enterprise_id, []).append(user_id)
    tiers = {
        tier.colour: {
            "inspections_per_year": str(tier.inspections_per_year),
            "sampling_ratio": str(tier.sampling_ratio),
        }
        for tier in model.tiers.all()
    }
    return {
        "algorithm": draw_module.ALGORITHM,
        "district": district.code,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "period_days": (period_end - period_start).days + 1,
        "risk_model_version": model.version,
        "tiers": tiers,
        "candidates": candidates,
        "inspectors": inspectors,
        "inspectors_per_target": inspectors_per_target,
        "recusals": recusals,
        "previous": sorted([e, sorted(users)] for e, users in previous.items()),
    }


@transaction.atomic
def plan_create(
    *,
    district: District,
    name: str,
    period_start: date,
    period_end: date,
    user,
    streets: list[Street] | None = None,
    sectors: list[str] | None = None,
    inspectors_per_target: int = 2,
    seed: str | None = None,
) -> InspectionPlan:
    """Make a plan and draw it. The seed's SHA-256 and the inputs' SHA-256 are
    stored (published) at once; the seed itself stays secret until closing."""
    streets = list(streets or [])
    sectors = list(dict.fromkeys(sectors or []))
    fields: dict = {}
    if not name.strip():
        fields["name"] = [_("Give the plan a name.")]
    if period_end < period_start:
        fields["period_end"] = [_("The period ends before it starts.")]
    foreign = [s.name for s in streets if s.district_id != district.pk]
    if foreign:
        fields["streets"] = [
            _("Not in the district: %(names)s") % {"names": ", ".join(foreign)}
        ]
    unknown = [s for s in sectors if s not in Enterprise.Sector.values]
    if unknown:
        fields["sectors"] = [_("Unknown sector: %(s)s") % {"s": ", ".join(unknown)}]
    if inspectors_per_target < 2:
        fields["inspectors_per_target"] = [
            _("A legal inspection needs at least two officers.")
        ]
    if fields:
        raise InvalidInput(fields=fields)
    model = RiskModel.objects.active().prefetch_related("tiers").first()
    if model is None:
        raise Conflict(_("There is no active risk model."), code="no_risk_model")

    inputs = plan_inputs(
        district=district,
        model=model,
        period_start=period_start,
        period_end=period_end,
        streets=streets,
        sectors=sectors,
        inspectors_per_target=inspectors_per_target,
    )
    if len(inputs["inspectors"]) < inspectors_per_target:
        raise InvalidInput(
            fields={
                "inspectors_per_target": [
                    _("The district has fewer active bureau officers than that.")
                ]
            }
        )
    seed = seed or secrets.token_hex(32)
    drawn = draw_module.draw(seed, inputs)
    plan = InspectionPlan.objects.create(
        district=district,
        name=name.strip(),
        period_start=period_start,
        period_end=period_end,
        sectors=sectors,
        inspectors_per_target=inspectors_per_target,
        model=model,
        algorithm=draw_module.ALGORITHM,
        seed=seed,
        seed_sha256=draw_module.sha256_hex(seed),
        inputs=inputs,
        inputs_sha256=draw_module.sha256_hex(draw_module.canonical_json(inputs)),
        quotas=draw_module.tier_quotas(inputs),
        created_by=user,
    )
    if streets:
        plan.streets.set(streets)
    _store_draw(plan, drawn)
    return plan


def _store_draw(plan: InspectionPlan, drawn: list[draw_module.DrawnTarget]) -> None:
    """The drawn targets and their inspectors, in two statements."""
    if connection.vendor != "postgresql":
        targets = PlanTarget.objects.bulk_create(
            [
                PlanTarget(
                    plan=plan,
                    position=n,
                    enterprise_id=t.enterprise_id,
                    colour=t.colour,
                )
                for n, t in enumerate(drawn, start=1)
            ],
            batch_size=2000,
        )
        PlanAssignment.objects.bulk_create(
            [
                PlanAssignment(target_id=row.pk, officer_id=officer_id)
                for row, target in zip(targets, drawn, strict=True)
                for officer_id in target.inspector_ids
            ],
            batch_size=2000,
        )
        return
    # PostgreSQL: arrays in, ids out, no model instance per row
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PlanTarget._meta.db_table} "
            "(plan_id, position, enterprise_id, colour) "
            "SELECT %s, t.position, t.enterprise_id, t.colour FROM "
            "unnest(%s::integer[], %s::bigint[], %s::text[]) "
            "AS t(position, enterprise_id, colour) RETURNING id, position",
            [
                plan.pk,
                list(range(1, len(drawn) + 1)),
                [t.enterprise_id for t in drawn],
                [t.colour for t in drawn],
            ],
        )
        target_ids = {position: pk for pk, position in cursor.fetchall()}
        pairs = [
            (target_ids[position], officer_id)
            for position, target in enumerate(drawn, start=1)
            for officer_id in target.inspector_ids
        ]
        cursor.execute(
            f"INSERT INTO {PlanAssignment._meta.db_table} (target_id, officer_id) "
            "SELECT * FROM unnest(%s::bigint[], %s::integer[])",
            [[t for t, _o in pairs], [o for _t, o in pairs]],
        )


@transaction.atomic
def plan_close(*, plan: InspectionPlan, user) -> InspectionPlan:
    """Close the plan: the seed is revealed and the results are published."""
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != InspectionPlan.Status.OPEN:
        raise Conflict(_("The plan is already closed."), code="illegal_transition")
    plan.status = InspectionPlan.Status.CLOSED
    plan.closed_at = timezone.now()
    plan.closed_by = user
    plan.save(update_fields=["status", "closed_at", "closed_by"])
    return plan


@dataclass(frozen=True)
class DrawVerification:
    seed_matches: bool
    inputs_match: bool
    list_matches: bool
    drawn: list[draw_module.DrawnTarget]
    stored: list[draw_module.DrawnTarget]

    @property
    def ok(self) -> bool:
        return self.seed_matches and self.inputs_match and self.list_matches


def plan_verify(*, plan: InspectionPlan, seed: str | None = None) -> DrawVerification:
    """Re-run the draw from the stored inputs and a seed (the revealed one by
    default) and compare with the stored list and the published hashes."""
    seed = plan.seed if seed is None else seed
    drawn = draw_module.draw(seed, plan.inputs)
    stored_rows: dict[int, list] = {}
    for target_id, enterprise_id, colour, officer_id in (
        PlanTarget.objects.filter(plan=plan)
        .order_by("position", "assignments__officer_id")
        .values_list("pk", "enterprise_id", "colour", "assignments__officer_id")
    ):
        row = stored_rows.setdefault(target_id, [enterprise_id, colour, []])
        if officer_id is not None:
            row[2].append(officer_id)
    stored = [
        draw_module.DrawnTarget(e, c, tuple(o)) for e, c, o in stored_rows.values()
    ]
    normalised = [
        draw_module.DrawnTarget(
            t.enterprise_id, t.colour, tuple(sorted(t.inspector_ids))
        )
        for t in drawn
    ]
    return DrawVerification(
        seed_matches=draw_module.sha256_hex(seed) == plan.seed_sha256,
        inputs_match=draw_module.sha256_hex(draw_module.canonical_json(plan.inputs))
        == plan.inputs_sha256,
        list_matches=normalised == stored,
        drawn=drawn,
        stored=stored,
    )


@transaction.atomic
def recusal_create(*, enterprise: Enterprise, officer, reason: str, user) -> Recusal:
    """Record that an officer must not inspect an enterprise."""
    fields: dict = {}
    if not reason.strip():
        fields["reason"] = [_("Give the reason for the recusal.")]
    if not user_scope(user=officer).is_staff_member:
        fields["officer"] = [_("Not an enforcement officer.")]
    if fields:
        raise InvalidInput(fields=fields)
    try:
        with transaction.atomic():
            return Recusal.objects.create(
                enterprise=enterprise, officer=officer, reason=reason.strip()
            )
    except IntegrityError as error:
        raise InvalidInput(
            fields={"officer": [_("This officer is already recused here.")]}
        ) from error
