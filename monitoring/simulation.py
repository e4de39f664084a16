"""Synthetic values for the demo history and the monitor simulator: a daily
cycle around a typical level with noise, per parameter."""

from __future__ import annotations

import math
import random
from datetime import datetime

from monitoring.indices import LOCAL_TZ
from monitoring.parameters import PARAMETERS

# parameter: (typical level, daily amplitude as a share, noise share, hour of peak)
PROFILES = {
    "PM2_5": (38, 0.35, 0.15, 8),
    "PM10": (62, 0.3, 0.15, 8),
    "SO2": (8, 0.3, 0.2, 10),
    "NO2": (38, 0.4, 0.15, 8),
    "CO": (0.7, 0.3, 0.1, 8),
    "O3": (70, 0.6, 0.15, 15),
    "wind_speed": (2.8, 0.3, 0.3, 14),
    "wind_direction": (120, 0.0, 0.0, 0),
    "temperature": (12, 0.3, 0.05, 14),
    "humidity": (65, 0.2, 0.05, 4),
    "pH": (7.3, 0.02, 0.01, 14),
    "DO": (6.8, 0.12, 0.04, 15),
    "CODMn": (4.2, 0.1, 0.08, 10),
    "COD": (45, 0.2, 0.1, 11),
    "NH3_N": (0.55, 0.15, 0.1, 7),
    "TP": (0.12, 0.15, 0.1, 7),
    "TN": (1.2, 0.1, 0.1, 7),
    "flow": (6.0, 0.5, 0.1, 11),
    "LAeq": (56, 0.1, 0.03, 17),
    "LAmax": (71, 0.1, 0.04, 17),
    "HCHO": (0.04, 0.3, 0.15, 15),
    "TVOC": (0.3, 0.3, 0.15, 15),
    "CO2": (650, 0.3, 0.1, 15),
    "TSP": (160, 0.4, 0.2, 11),
    "fume": (0.45, 0.6, 0.2, 12),
    "fan_on": (1, 0, 0, 12),
    "cleaner_on": (1, 0, 0, 12),
}


def simulated_value(
    parameter: str, at: datetime, rng: random.Random, *, scale: float = 1.0
) -> float:
    """A plausible value at ``at`` (local daily cycle, noise, within range)."""
    level, amplitude, noise, peak = PROFILES.get(parameter, (1.0, 0.1, 0.1, 12))
    local = at.astimezone(LOCAL_TZ)
    hour = local.hour + local.minute / 60
    if parameter in ("fan_on", "cleaner_on"):
        # kitchens run at lunch and dinner
        return 1.0 if 10 <= hour < 14 or 17 <= hour < 21.5 else 0.0
    if parameter == "wind_direction":
        return (
            level + 60 * math.sin(at.timestamp() / 86400 / 3) + rng.gauss(0, 15)
        ) % 360
    cycle = 1 + amplitude * math.cos((hour - peak) / 24 * 2 * math.pi)
    if parameter == "LAeq" or parameter == "LAmax":
        cycle = 1 + amplitude * (0.4 if 6 <= hour < 22 else -0.9)
    if parameter == "fume":
        cycle = 1.6 if 11 <= hour < 13 or 17.5 <= hour < 19.5 else 0.15
    value = level * scale * cycle * (1 + rng.gauss(0, noise))
    spec = PARAMETERS.get(parameter)
    if spec is not None:
        value = min(max(value, spec.valid_min), spec.valid_max)
    return round(value, 3 if value < 10 else 1)
