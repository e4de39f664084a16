"""The colour rule: data stored on each scheme version and shown to enterprises,
and the pure function that applies it. No database here.

A rule looks like::

    {
      "green_min_score": 85,          # score (0–100) at or above: green
      "yellow_min_score": 60,         # at or above: yellow; below: red
      "no_self_assessment_colour": "yellow",   # best colour without self-assessment
      "factors": [                    # official records, read by name from the
        {"name": "enforcement.substantiated_complaints_90d",   # factor registry
         "points_each": 10, "max_points": 30,
         "yellow_at": 1, "red_at": 3},
      ]
    }

score = self-assessment score (100 when the enterprise did not self-assess) minus,
per factor, min(points_each × value, max_points); a factor at or above ``red_at``
forces red and at or above ``yellow_at`` caps the colour at yellow; a failed veto
item forces red.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

COLOURS = ("green", "yellow", "red")
RANK = {colour: rank for rank, colour in enumerate(COLOURS)}

# Factor names published by the enforcement factor registry (issue 3) and the
# modules that feed it. A factor the running platform does not provide is shown
# as "not available" and counts nothing: records are never invented.
DEFAULT_FACTORS = [
    {
        "name": "enforcement.substantiated_complaints",
        "points_each": 10,
        "max_points": 30,
        "yellow_at": 1,
        "red_at": 4,
        "window_days": 92,
    },
    {
        "name": "enforcement.penalty_count",
        "points_each": 15,
        "max_points": 45,
        "yellow_at": 1,
        "red_at": 3,
        "window_days": 365,
    },
    {
        "name": "enforcement.open_major_violations",
        "points_each": 40,
        "max_points": 40,
        "red_at": 1,
    },
    {
        "name": "enforcement.overdue_rectifications",
        "points_each": 10,
        "max_points": 30,
        "yellow_at": 1,
    },
    {
        "name": "monitoring.exceedance_days_90d",
        "points_each": 3,
        "max_points": 30,
        "yellow_at": 3,
        "red_at": 15,
    },
    {
        "name": "hazwaste.open_anomalies",
        "points_each": 10,
        "max_points": 30,
        "yellow_at": 1,
        "red_at": 3,
    },
]

DEFAULT_RULE = {
    "green_min_score": 85,
    "yellow_min_score": 60,
    "no_self_assessment_colour": "yellow",
    "factors": DEFAULT_FACTORS,
}


def worse(a: str, b: str) -> str:
    return a if RANK[a] >= RANK[b] else b


def validate_rule(rule) -> dict[str, list[str]]:
    """Problems by key; empty when the rule can be saved."""
    problems: dict[str, list[str]] = {}

    def problem(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    if not isinstance(rule, dict):
        return {"rule": [_("The rule must be an object.")]}
    green, yellow = rule.get("green_min_score"), rule.get("yellow_min_score")
    for key, value in (("green_min_score", green), ("yellow_min_score", yellow)):
        if not isinstance(value, int | float) or not 0 <= value <= 100:
            problem(key, _("Give a score between 0 and 100."))
    if (
        isinstance(green, int | float)
        and isinstance(yellow, int | float)
        and yellow > green
    ):
        problem("yellow_min_score", _("The yellow threshold must not exceed green."))
    if rule.get("no_self_assessment_colour", "yellow") not in COLOURS:
        problem("no_self_assessment_colour", _("Unknown colour."))
    factors = rule.get("factors", [])
    if not isinstance(factors, list):
        problem("factors", _("Factors must be a list."))
        factors = []
    names = set()
    for index, factor in enumerate(factors):
        key = f"factors[{index}]"
        if not isinstance(factor, dict) or not str(factor.get("name", "")).strip():
            problem(key, _("Each factor needs a name."))
            continue
        if factor["name"] in names:
            problem(key, _("The factor appears twice."))
        names.add(factor["name"])
        for number in (
            "points_each",
            "max_points",
            "yellow_at",
            "red_at",
            "window_days",
        ):
            value = factor.get(number)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                problem(key, _("%(field)s must be a number ≥ 0.") % {"field": number})
        if (
            isinstance(factor.get("yellow_at"), int | float)
            and isinstance(factor.get("red_at"), int | float)
            and factor["red_at"] < factor["yellow_at"]
        ):
            problem(key, _("red_at must not be below yellow_at."))
    return problems


@dataclass
class RuleResult:
    colour: str
    score: float
    reasons: list[dict] = field(default_factory=list)


def apply_rule(
    rule: dict,
    *,
    self_score: float | None,
    failed_veto_items: list[str],
    factor_values: dict[str, float | None],
) -> RuleResult:
    """The preliminary colour and the reasons behind it, step by step.

    ``factor_values`` maps factor names to values; a name missing (or None) means
    the platform has no provider for it, and it counts nothing.
    """
    reasons: list[dict] = []
    assessed = self_score is not None
    score = float(self_score) if assessed else 100.0
    reasons.append(
        {"kind": "self_score", "value": round(score, 1)}
        if assessed
        else {"kind": "no_self_assessment", "value": 100.0}
    )
    caps: list[tuple[str, dict]] = []
    for factor in rule.get("factors", []):
        name = factor["name"]
        value = factor_values.get(name)
        if value is None:
            reasons.append({"kind": "factor_unavailable", "factor": name})
            continue
        points = min(
            float(factor.get("points_each", 0)) * value,
            float(factor.get("max_points", 0) or 0),
        )
        score -= points
        entry = {
            "kind": "factor",
            "factor": name,
            "value": value,
            "points": round(points, 1),
        }
        reasons.append(entry)
        red_at, yellow_at = factor.get("red_at"), factor.get("yellow_at")
        if red_at is not None and value >= red_at:
            caps.append(("red", {"kind": "factor_cap", "factor": name, "cap": "red"}))
        elif yellow_at is not None and value >= yellow_at:
            caps.append(
                ("yellow", {"kind": "factor_cap", "factor": name, "cap": "yellow"})
            )
    score = max(score, 0.0)
    if score >= rule["green_min_score"]:
        colour = "green"
    elif score >= rule["yellow_min_score"]:
        colour = "yellow"
    else:
        colour = "red"
    reasons.append({"kind": "score", "value": round(score, 1), "colour": colour})
    for cap, reason in caps:
        if RANK[cap] > RANK[colour]:
            reasons.append(reason)
        colour = worse(colour, cap)
    if not assessed:
        cap = rule.get("no_self_assessment_colour", "yellow")
        if RANK[cap] > RANK[colour]:
            reasons.append({"kind": "no_self_assessment_cap", "cap": cap})
        colour = worse(colour, cap)
    if failed_veto_items:
        reasons.append({"kind": "veto", "items": list(failed_veto_items)})
        colour = "red"
    return RuleResult(colour=colour, score=round(score, 1), reasons=reasons)


def self_assessment_score(answers: list[tuple[int, str]]) -> float:
    """Points earned over points applicable, as 0–100: answers are (weight, value)
    with value "yes", "no" or "na"."""
    applicable = sum(weight for weight, value in answers if value != "na")
    if applicable == 0:
        return 100.0
    earned = sum(weight for weight, value in answers if value == "yes")
    return round(100.0 * earned / applicable, 1)
