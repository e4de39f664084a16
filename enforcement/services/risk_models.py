"""Writes for risk models: a change is always a new version, checked first."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from enforcement.models import Colour, RiskModel, RiskModelFactor, RiskTier
from enforcement.registry import factors


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _validate_factor_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    registered = factors()
    errors: list[dict] = []
    clean: list[dict] = []
    seen: set[str] = set()
    for row in rows:
        problems: dict[str, list[str]] = {}
        name = str(row.get("factor") or "")
        if name not in registered:
            problems["factor"] = [_("Unknown factor %(name)s.") % {"name": name}]
        elif name in seen:
            problems["factor"] = [_("This factor is listed twice.")]
        seen.add(name)
        weight = _decimal(row.get("weight"))
        if weight is None or weight < 0:
            problems["weight"] = [_("The weight must be a number of at least 0.")]
        half_life = row.get("half_life_days")
        if half_life not in (None, ""):
            try:
                half_life = int(half_life)
            except (TypeError, ValueError):
                half_life = 0
            if half_life < 1:
                problems["half_life_days"] = [
                    _("The half-life must be at least one day (or empty).")
                ]
        else:
            half_life = None
        cap = _decimal(row.get("cap"))
        if row.get("cap") not in (None, "") and (cap is None or cap < 0):
            problems["cap"] = [_("The cap must be at least 0 (or empty).")]
        veto_at = _decimal(row.get("veto_at"))
        if row.get("veto_at") not in (None, "") and (veto_at is None or veto_at <= 0):
            problems["veto_at"] = [_("The veto level must be above 0 (or empty).")]
        errors.append(problems)
        clean.append(
            {
                "factor": name,
                "weight": weight,
                "half_life_days": half_life,
                "cap": cap,
                "veto_at": veto_at,
            }
        )
    return clean, errors


def _validate_tier_rows(rows: list[dict]) -> tuple[list[dict], dict]:
    by_colour: dict[str, dict] = {}
    problems: dict[str, list] = {}
    for row in rows:
        colour = row.get("colour")
        if colour not in Colour.values or colour in by_colour:
            problems.setdefault("tiers", []).append(
                _("Give each colour (green, yellow, red) exactly once.")
            )
            continue
        frequency = _decimal(row.get("inspections_per_year"))
        ratio = _decimal(row.get("sampling_ratio"))
        if frequency is None or frequency <= 0:
            problems.setdefault("tiers", []).append(
                _("%(colour)s: rounds per year must be above 0.")
                % {"colour": Colour(colour).label}
            )
        if ratio is None or not (0 <= ratio <= 1):
            problems.setdefault("tiers", []).append(
                _("%(colour)s: the sampling ratio must be between 0 and 1.")
                % {"colour": Colour(colour).label}
            )
        by_colour[colour] = {
            "colour": colour,
            "inspections_per_year": frequency,
            "sampling_ratio": ratio,
        }
    if set(by_colour) != set(Colour.values) and "tiers" not in problems:
        problems["tiers"] = [_("Give each colour (green, yellow, red) exactly once.")]
    if not problems:
        order = [by_colour[c] for c in (Colour.GREEN, Colour.YELLOW, Colour.RED)]
        for lower, higher in zip(order, order[1:], strict=False):
            if (
                higher["inspections_per_year"] < lower["inspections_per_year"]
                or higher["sampling_ratio"] < lower["sampling_ratio"]
            ):
                problems["tiers"] = [
                    _(
                        "A riskier tier cannot be inspected less often or sampled "
                        "less than a safer one."
                    )
                ]
                break
    return list(by_colour.values()), problems


@transaction.atomic
def risk_model_create(
    *,
    name: str,
    yellow_from,
    red_from,
    factors: list[dict],
    tiers: list[dict],
    note: str = "",
    user=None,
) -> RiskModel:
    """Publish a new risk model version and make it the active one. Existing
    codes keep the version they were computed with until they are recomputed."""
    fields: dict = {}
    yellow, red = _decimal(yellow_from), _decimal(red_from)
    if not str(name or "").strip():
        fields["name"] = [_("Give the version a name.")]
    if yellow is None or yellow <= 0:
        fields["yellow_from"] = [_("The yellow threshold must be above 0.")]
    if red is None or (yellow is not None and red <= yellow):
        fields["red_from"] = [
            _("The red threshold must be above the yellow threshold.")
        ]
    factor_rows, factor_errors = _validate_factor_rows(list(factors or []))
    if not factor_rows:
        fields["factors"] = [_("A risk model needs at least one factor.")]
    elif any(factor_errors):
        fields["factors"] = factor_errors
    tier_rows, tier_problems = _validate_tier_rows(list(tiers or []))
    fields.update(tier_problems)
    if fields:
        raise InvalidInput(fields=fields)

    current = RiskModel.objects.select_for_update().filter(is_active=True).first()
    version = risk_model_next_version()
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    model = RiskModel.objects.create(
        version=version,
        name=name.strip(),
        note=note,
        yellow_from=yellow,
        red_from=red,
        is_active=True,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    RiskModelFactor.objects.bulk_create(
        RiskModelFactor(model=model, **row) for row in factor_rows
    )
    RiskTier.objects.bulk_create(RiskTier(model=model, **row) for row in tier_rows)
    return model


@transaction.atomic
def risk_model_activate(*, model: RiskModel) -> RiskModel:
    """Make a version saved through the admin the active one (after checking it
    the same way ``risk_model_create`` does)."""
    _rows, factor_errors = _validate_factor_rows(
        list(
            model.factors.values("factor", "weight", "half_life_days", "cap", "veto_at")
        )
    )
    _tiers, tier_problems = _validate_tier_rows(
        list(model.tiers.values("colour", "inspections_per_year", "sampling_ratio"))
    )
    if any(factor_errors) or tier_problems:
        raise InvalidInput(fields={"factors": factor_errors, **tier_problems})
    RiskModel.objects.select_for_update().filter(is_active=True).exclude(
        pk=model.pk
    ).update(is_active=False)
    model.is_active = True
    model.save(update_fields=["is_active"])
    return model


def risk_model_next_version() -> int:
    return (
        RiskModel.objects.order_by("-version").values_list("version", flat=True).first()
        or 0
    ) + 1
