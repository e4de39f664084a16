"""The health-code arithmetic, free of the database: decay, the snapshot of a
risk model and the score of one enterprise from its factor aggregates.

score = Σ over the model's factors of min(cap, weight · Σ value · ½^(age / half-life))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from enforcement.models.health import Colour

LN2 = math.log(2)
CENT = Decimal("0.01")


def decay(age_days: float, half_life_days: int | None) -> float:
    """The weight left to a record ``age_days`` old: ½ per half-life."""
    if not half_life_days:
        return 1.0
    return math.exp(-LN2 * max(age_days, 0.0) / half_life_days)


@dataclass(frozen=True)
class FactorParams:
    name: str
    weight: float
    half_life_days: int | None
    cap: float | None
    veto_at: float | None


@dataclass(frozen=True)
class ModelSnapshot:
    """A risk model version read once, for a whole run."""

    model_id: int
    version: int
    yellow_from: Decimal
    red_from: Decimal
    factors: tuple[FactorParams, ...]

    def colour_for(self, score: Decimal) -> str:
        if score >= self.red_from:
            return Colour.RED
        if score >= self.yellow_from:
            return Colour.YELLOW
        return Colour.GREEN


@dataclass
class FactorAggregate:
    """One factor for one enterprise: the summed raw value, the decayed value,
    how many records and (up to MAX_RECORD_REFS of) their ids."""

    raw: float
    decayed: float
    total: int = 0
    ids: tuple[int, ...] = ()


def cents(points: float) -> Decimal:
    """Points rounded to the cent the way PostgreSQL's ``round(numeric, 2)`` does
    with a float cast to numeric (15 significant digits, halves away from 0), so
    the SQL and the Python scoring agree to the cent."""
    return Decimal(f"{points:.15g}").quantize(CENT, rounding=ROUND_HALF_UP)


def score_enterprise(
    snapshot: ModelSnapshot, aggregates: dict[str, FactorAggregate | None]
) -> tuple[Decimal, str, list[dict], list[str]]:
    """Score, colour, breakdown and vetoing factors of one enterprise (pure).

    Each contribution is rounded to the cent first and the score is their sum,
    so the breakdown always adds up to the score exactly."""
    breakdown: list[dict] = []
    vetoed: list[str] = []
    score = Decimal(0)
    for params in snapshot.factors:
        aggregate = aggregates.get(params.name)
        if aggregate is None or (aggregate.raw == 0 and aggregate.total == 0):
            continue
        points = params.weight * aggregate.decayed
        if params.cap is not None and points > params.cap:
            points = params.cap
        contribution = cents(points)
        veto = params.veto_at is not None and aggregate.raw >= params.veto_at
        if veto:
            vetoed.append(params.name)
        score += contribution
        # Half-life, cap and veto level are the model version's (the code keeps
        # its version); whether a cap or a veto applied follows from them.
        breakdown.append(
            {
                "factor": params.name,
                "raw": round(aggregate.raw, 4),
                "weight": params.weight,
                "decayed": round(aggregate.decayed, 4),
                "contribution": float(contribution),
                "records_total": aggregate.total,
                "records": list(aggregate.ids),
            }
        )
    breakdown.sort(key=lambda entry: (-entry["contribution"], entry["factor"]))
    colour = Colour.RED if vetoed else snapshot.colour_for(score)
    return score, colour, breakdown, vetoed


def top_factor(breakdown: list[dict], vetoed: list[str]) -> str:
    """The factor forcing the code red, or else contributing most (ties: by
    name); empty without any."""
    if vetoed:
        return vetoed[0]
    return breakdown[0]["factor"] if breakdown else ""
