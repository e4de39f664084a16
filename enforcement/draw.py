"""The 双随机 draw: pure functions, no database, so anyone can re-run a draw from
a plan's published inputs and revealed seed.

Algorithm "sha256-rank-v1":

1. Each tier's quota is ceil(N · sampling ratio · rounds per year · days / 365),
   at most N, where N is the number of candidates of that colour.
2. In each tier the candidates are ranked by SHA-256("<seed>|target|<enterprise
   id>") (hex, ascending); the first ``quota`` are the targets. Targets are
   listed red, then yellow, then green, each in rank order.
3. For each target in that order, the eligible inspectors are all inspectors
   except those recused for the enterprise and those drawn for it in its
   previous plan; they are ranked by (targets already assigned in this draw,
   SHA-256("<seed>|inspector|<enterprise id>|<user id>")) and the first
   ``inspectors_per_target`` are drawn.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

ALGORITHM = "sha256-rank-v1"
TIER_ORDER = ("red", "yellow", "green")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True)
class DrawnTarget:
    enterprise_id: int
    colour: str
    inspector_ids: tuple[int, ...]


def tier_quotas(inputs: dict) -> dict[str, int]:
    """How many targets each tier gets in this period."""
    counts = dict.fromkeys(TIER_ORDER, 0)
    for _enterprise_id, colour in inputs["candidates"]:
        counts[colour] += 1
    quotas = {}
    for colour in TIER_ORDER:
        tier = inputs["tiers"][colour]
        expected = (
            Decimal(counts[colour])
            * Decimal(tier["sampling_ratio"])
            * Decimal(tier["inspections_per_year"])
            * Decimal(inputs["period_days"])
            / Decimal(365)
        )
        quota = int(expected.to_integral_value(rounding=ROUND_CEILING))
        quotas[colour] = min(counts[colour], max(quota, 0))
    return quotas


def draw(seed: str, inputs: dict) -> list[DrawnTarget]:
    """Targets and inspectors for a plan; the same seed and inputs always give
    the same list."""
    if inputs.get("algorithm") != ALGORITHM:
        raise ValueError(f"unknown draw algorithm {inputs.get('algorithm')!r}")
    quotas = tier_quotas(inputs)
    by_tier: dict[str, list[int]] = {colour: [] for colour in TIER_ORDER}
    for enterprise_id, colour in inputs["candidates"]:
        by_tier[colour].append(int(enterprise_id))
    chosen: list[tuple[int, str]] = []
    for colour in TIER_ORDER:
        ranked = sorted(
            by_tier[colour],
            key=lambda enterprise_id: sha256_hex(f"{seed}|target|{enterprise_id}"),
        )
        chosen.extend(
            (enterprise_id, colour) for enterprise_id in ranked[: quotas[colour]]
        )

    inspectors = [int(user_id) for user_id in inputs["inspectors"]]
    excluded: dict[int, set[int]] = {}
    for enterprise_id, user_id in inputs["recusals"]:
        excluded.setdefault(int(enterprise_id), set()).add(int(user_id))
    for enterprise_id, user_ids in inputs["previous"]:
        excluded.setdefault(int(enterprise_id), set()).update(int(u) for u in user_ids)
    per_target = int(inputs["inspectors_per_target"])
    load = dict.fromkeys(inspectors, 0)
    targets = []
    for enterprise_id, colour in chosen:
        blocked = excluded.get(enterprise_id, set())
        by_load: dict[int, list[int]] = {}
        for user_id in inspectors:
            if user_id not in blocked:
                by_load.setdefault(load[user_id], []).append(user_id)
        # Ranking by (load, hash) only needs hashes of the least-loaded groups.
        picked: list[int] = []
        for level in sorted(by_load):
            group = sorted(
                by_load[level],
                key=lambda user_id: sha256_hex(
                    f"{seed}|inspector|{enterprise_id}|{user_id}"
                ),
            )
            picked.extend(group[: per_target - len(picked)])
            if len(picked) == per_target:
                break
        drawn = tuple(picked)
        for user_id in drawn:
            load[user_id] += 1
        targets.append(DrawnTarget(enterprise_id, colour, drawn))
    return targets


def expected_rounds(inspections_per_year, period_days: int) -> float:
    """Rounds of a tier that fall in a period (for display)."""
    return float(inspections_per_year) * period_days / 365 if period_days else math.nan
