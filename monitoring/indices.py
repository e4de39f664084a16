"""Standard indices as pure functions: air quality index (HJ 633), surface-water
class (GB 3838), noise limits (GB 3096) and catering-fume judgement (DB31/844).

The numbers below are copied from the standards (sources beside each table). Nothing
here touches the database, so every rule can be tested in isolation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# ---------------------------------------------------------------------------
# Air quality index: HJ 633—2012 and HJ 633—2026
# ---------------------------------------------------------------------------

EDITION_2012 = "HJ 633-2012"
EDITION_2026 = "HJ 633-2026"
# HJ 633—2026 applies to observations from this (local) date on.
EDITION_2026_FROM = date(2026, 3, 1)

POLLUTANTS = ("SO2", "NO2", "CO", "O3", "O3_8h", "PM10", "PM2_5")

IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)
# Concentration breakpoints per IAQI step, µg/m³ (CO mg/m³). Source: HJ 633—2012
# table 1; HJ 633—2026 changes only the PM 24-hour breakpoints at IAQI 100.
# A shorter tuple means the standard stops there (e.g. SO2 1h above 800).
_BREAKPOINTS_2012 = {
    "SO2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "SO2_1h": (0, 150, 500, 650, 800),
    "NO2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "NO2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "CO_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "CO_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "O3_8h": (0, 100, 160, 215, 265, 800),
    "O3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "PM10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "PM2_5_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}
_BREAKPOINTS_2026 = {
    **_BREAKPOINTS_2012,
    "PM10_24h": (0, 50, 120, 250, 350, 420, 500, 600),
    "PM2_5_24h": (0, 35, 60, 115, 150, 250, 350, 500),
}
BREAKPOINTS = {EDITION_2012: _BREAKPOINTS_2012, EDITION_2026: _BREAKPOINTS_2026}

# Above the top breakpoint the standard is silent; the index is capped (STANDARDS
# marks this *check*).
AQI_CAP = 500

# (upper AQI bound, level, category, colour). Source: HJ 633 table 2.
AQI_LEVELS = (
    (50, 1, "优", "#00E400"),
    (100, 2, "良", "#FFFF00"),
    (150, 3, "轻度污染", "#FF7E00"),
    (200, 4, "中度污染", "#FF0000"),
    (300, 5, "重度污染", "#99004C"),
    (math.inf, 6, "严重污染", "#7E0023"),
)

# HJ 633—2026 §5.3: with a pollutant missing, the AQI is published only above this.
NA_PUBLISH_ABOVE = 100


@dataclass(frozen=True)
class AqiResult:
    """An air quality index with its sub-indices. ``aqi`` is None when the standard
    says to publish the sub-indices only (NA)."""

    aqi: int | None
    level: int | None
    category: str | None
    colour: str | None
    primary_pollutants: list[str]
    iaqi: dict[str, int]
    edition: str
    missing: list[str] = field(default_factory=list)


def aqi_edition(day: date) -> str:
    """The HJ 633 edition in force for observations of a (local) day."""
    return EDITION_2026 if day >= EDITION_2026_FROM else EDITION_2012


def local_date(at: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment (naive means local already)."""
    if at.tzinfo is None:
        return at.date()
    return at.astimezone(LOCAL_TZ).date()


def aqi_level(aqi: int) -> tuple[int, str, str]:
    """(level 1–6, Chinese category, colour hex) of an AQI value."""
    for upper, level, category, colour in AQI_LEVELS:
        if aqi <= upper:
            return level, category, colour
    raise AssertionError("unreachable")  # pragma: no cover


def _exact(value: float | int | Decimal) -> Fraction:
    # Through str, so 60.6 means 60.6 and not the nearest binary float.
    return Fraction(Decimal(str(value)))


def _round_2026(key: str, value: Fraction) -> Fraction:
    """GB/T 8170 half-to-even: whole µg/m³, CO to 0.1 mg/m³ (HJ 633—2026)."""
    quantum = Decimal("0.1") if key == "CO" else Decimal("1")
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return Fraction(as_decimal.quantize(quantum, rounding=ROUND_HALF_EVEN))


def _iaqi(concentration: Fraction, breakpoints: tuple) -> int | None:
    """Linear interpolation between bracketing breakpoints, rounded up. None when
    the concentration lies above a table that stops early (the caller applies the
    standard's special rule); capped at AQI_CAP above a complete table."""
    if concentration <= 0:
        return 0
    for step in range(1, len(breakpoints)):
        low, high = breakpoints[step - 1], breakpoints[step]
        if concentration <= high:
            i_low, i_high = IAQI_STEPS[step - 1], IAQI_STEPS[step]
            value = i_low + Fraction(i_high - i_low) * (concentration - low) / Fraction(
                high - low
            )
            return min(math.ceil(value), AQI_CAP)
    if len(breakpoints) == len(IAQI_STEPS):
        return AQI_CAP
    return None


def _checked(concentrations: Mapping[str, float | None]) -> dict[str, Fraction]:
    values: dict[str, Fraction] = {}
    for key, value in concentrations.items():
        if value is None:
            continue
        if key not in POLLUTANTS and key != "SO2_24h":
            raise ValueError(f"unknown pollutant {key!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{key}: not a number")
        exact = _exact(value)
        if exact < 0:
            raise ValueError(f"{key}: negative concentration")
        values[key] = exact
    return values


def _sub_indices(
    values: dict[str, Fraction], *, edition: str, hourly: bool
) -> dict[str, int]:
    table = BREAKPOINTS[edition]
    if edition == EDITION_2026:
        values = {key: _round_2026(key, value) for key, value in values.items()}
    iaqi: dict[str, int] = {}

    def index(key: str, column: str) -> None:
        if key in values:
            result = _iaqi(values[key], table[column])
            if result is not None:
                iaqi[key] = result

    if hourly:
        for key in ("NO2", "CO", "O3"):
            index(key, f"{key}_1h")
        # 2012: the caller passes the 24-hour sliding means of PM; 2026: the hourly
        # values. Both are indexed with the 24-hour breakpoints.
        index("PM10", "PM10_24h")
        index("PM2_5", "PM2_5_24h")
        if "SO2" in values:
            if values["SO2"] <= 800:
                index("SO2", "SO2_1h")
            elif edition == EDITION_2026:
                iaqi["SO2"] = 200
            elif "SO2_24h" in values:
                # 2012: above 800 µg/m³ the SO2 1h index is not computed; the
                # 24-hour mean's index is reported instead.
                result = _iaqi(values["SO2_24h"], table["SO2_24h"])
                if result is not None:
                    iaqi["SO2"] = result
    else:
        for key in ("SO2", "NO2", "CO", "PM10", "PM2_5"):
            index(key, f"{key}_24h")
        if edition == EDITION_2012:
            # the 2012 daily report also indexes the daily maximum 1-hour O3
            index("O3", "O3_1h")
    if "O3_8h" in values:
        if values["O3_8h"] <= 800:
            index("O3_8h", "O3_8h")
        elif edition == EDITION_2026:
            iaqi["O3_8h"] = 300
        elif "O3" in values:
            # 2012: above 800 µg/m³ the 8-hour index is replaced by the 1-hour one
            result = _iaqi(values["O3"], table["O3_1h"])
            if result is not None:
                iaqi["O3_8h"] = result
    return iaqi


# The pollutants a complete report needs (HJ 633—2026 §5.3 applies when one is
# missing). The hourly report needs O3 1h; the daily one the O3 daily max 8h.
REQUIRED_DAILY = ("SO2", "NO2", "CO", "O3_8h", "PM10", "PM2_5")
REQUIRED_HOURLY = ("SO2", "NO2", "CO", "O3", "PM10", "PM2_5")


def _result(iaqi: dict[str, int], *, edition: str, required: tuple) -> AqiResult:
    missing = [key for key in required if key not in iaqi]
    if not iaqi:
        return AqiResult(None, None, None, None, [], {}, edition, missing)
    aqi = max(iaqi.values())
    if missing and edition == EDITION_2026 and aqi <= NA_PUBLISH_ABOVE:
        return AqiResult(None, None, None, None, [], iaqi, edition, missing)
    level, category, colour = aqi_level(aqi)
    primary = [key for key in POLLUTANTS if iaqi.get(key) == aqi] if aqi > 50 else []
    return AqiResult(aqi, level, category, colour, primary, iaqi, edition, missing)


def aqi_daily(concentrations: Mapping[str, float | None], day: date) -> AqiResult:
    """Daily AQI. Keys (µg/m³, CO mg/m³): natural-day means of ``SO2``, ``NO2``,
    ``CO``, ``PM10``, ``PM2_5``; ``O3_8h`` the daily maximum 8-hour sliding mean;
    ``O3`` the daily maximum 1-hour mean (indexed under HJ 633—2012 only).
    Missing keys are allowed."""
    if isinstance(day, datetime):
        day = local_date(day)
    edition = aqi_edition(day)
    iaqi = _sub_indices(_checked(concentrations), edition=edition, hourly=False)
    return _result(iaqi, edition=edition, required=REQUIRED_DAILY)


def aqi_hourly(concentrations: Mapping[str, float | None], at: datetime) -> AqiResult:
    """Hourly (real-time) AQI. Keys: 1-hour means of ``SO2``, ``NO2``, ``CO``,
    ``O3``; ``O3_8h`` the 8-hour sliding mean if known; ``PM10``/``PM2_5`` the
    1-hour means (HJ 633—2026) or the 24-hour sliding means (HJ 633—2012). Under
    2012 an SO2 1h above 800 µg/m³ is reported with the index of ``SO2_24h`` (the
    24-hour mean), which may be given for that purpose."""
    edition = aqi_edition(local_date(at))
    iaqi = _sub_indices(_checked(concentrations), edition=edition, hourly=True)
    return _result(iaqi, edition=edition, required=REQUIRED_HOURLY)


# ---------------------------------------------------------------------------
# Surface water class: GB 3838—2002
# ---------------------------------------------------------------------------

GRADES = ("I", "II", "III", "IV", "V", "劣V")
GRADE_NUMBER = {grade: number for number, grade in enumerate(GRADES, start=1)}
# Qualitative description per grade (GB 3838 / HJ 2.3 practice).
GRADE_QUALITY = {
    "I": "优",
    "II": "优",
    "III": "良好",
    "IV": "轻度污染",
    "V": "中度污染",
    "劣V": "重度污染",
}
GRADE_COLOUR = {
    "I": "#44C5F5",
    "II": "#2A8CE0",
    "III": "#00B050",
    "IV": "#FFC000",
    "V": "#FF6600",
    "劣V": "#C00000",
}

# Limits for classes I–V, mg/L. Source: GB 3838—2002 table 1 (basic items).
WATER_MAX_LIMITS = {
    "CODMn": (2, 4, 6, 10, 15),
    "COD": (15, 15, 20, 30, 40),
    "BOD5": (3, 3, 4, 6, 10),
    "NH3_N": (0.15, 0.5, 1.0, 1.5, 2.0),
    "petroleum": (0.05, 0.05, 0.05, 0.5, 1.0),
    "volatile_phenol": (0.002, 0.002, 0.005, 0.01, 0.1),
}
WATER_TP_RIVER = (0.02, 0.1, 0.2, 0.3, 0.4)
WATER_TP_LAKE = (0.01, 0.025, 0.05, 0.1, 0.2)
WATER_TN_LAKE = (0.2, 0.5, 1.0, 1.5, 2.0)  # lakes and reservoirs only
WATER_DO_MIN = (7.5, 6, 5, 3, 2)  # dissolved oxygen is a minimum
WATER_PH_RANGE = (6, 9)  # the same for classes I–V
WATER_ITEMS = (
    "pH",
    "DO",
    "CODMn",
    "COD",
    "BOD5",
    "NH3_N",
    "TP",
    "TN",
    "petroleum",
    "volatile_phenol",
)
WATER_BODIES = ("river", "lake")


@dataclass(frozen=True)
class WaterItemClass:
    item: str
    value: float
    grade: str
    # (C − limit) / limit over the target class, for items worse than it (max items)
    exceedance_multiple: float | None = None


@dataclass(frozen=True)
class WaterClassResult:
    grade: str
    limiting: list[str]
    items: dict[str, WaterItemClass]
    quality: str
    colour: str
    ignored: list[str] = field(default_factory=list)

    @property
    def grade_number(self) -> int:
        return GRADE_NUMBER[self.grade]


def _grade_max(value: float, limits: tuple) -> str:
    for grade, limit in zip(GRADES, limits, strict=False):
        if value <= limit:
            return grade
    return "劣V"


def _grade_min(value: float, limits: tuple) -> str:
    for grade, limit in zip(GRADES, limits, strict=False):
        if value >= limit:
            return grade
    return "劣V"


def water_class(
    values: Mapping[str, float | None],
    water_body: str = "river",
    *,
    target: str | None = None,
) -> WaterClassResult:
    """Single-factor class of a sample: the worst class any evaluated item reaches.

    ``water_body`` is ``"river"`` or ``"lake"`` (lakes and reservoirs: stricter TP,
    and TN is evaluated). ``target`` (e.g. ``"III"``) adds each item's exceedance
    multiple over that class's limit. Items not used for the class (TN in rivers,
    unknown keys) are listed in ``ignored``.
    """
    if water_body == "reservoir":
        water_body = "lake"
    if water_body not in WATER_BODIES:
        raise ValueError(f"unknown water body {water_body!r}")
    if target is not None and target not in GRADES[:5]:
        raise ValueError(f"unknown target class {target!r}")
    items: dict[str, WaterItemClass] = {}
    ignored: list[str] = []
    for item, raw in values.items():
        if raw is None:
            continue
        value = float(raw)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{item}: not a valid concentration")
        limits: tuple | None = None
        if item == "pH":
            low, high = WATER_PH_RANGE
            grade = "I" if low <= value <= high else "劣V"
        elif item == "DO":
            grade = _grade_min(value, WATER_DO_MIN)
        elif item == "TP":
            limits = WATER_TP_LAKE if water_body == "lake" else WATER_TP_RIVER
            grade = _grade_max(value, limits)
        elif item == "TN":
            if water_body != "lake":
                ignored.append(item)
                continue
            limits = WATER_TN_LAKE
            grade = _grade_max(value, limits)
        elif item in WATER_MAX_LIMITS:
            limits = WATER_MAX_LIMITS[item]
            grade = _grade_max(value, limits)
        else:
            ignored.append(item)
            continue
        multiple = None
        if target is not None and limits is not None:
            limit = limits[GRADE_NUMBER[target] - 1]
            if value > limit:
                multiple = round((value - limit) / limit, 3)
        items[item] = WaterItemClass(item, value, grade, multiple)
    if not items:
        raise ValueError("no item usable for the water class")
    worst = max(GRADE_NUMBER[c.grade] for c in items.values())
    grade = GRADES[worst - 1]
    limiting = [
        item for item in WATER_ITEMS if item in items and items[item].grade == grade
    ]
    return WaterClassResult(
        grade=grade,
        limiting=limiting,
        items=items,
        quality=GRADE_QUALITY[grade],
        colour=GRADE_COLOUR[grade],
        ignored=ignored,
    )


# ---------------------------------------------------------------------------
# Noise: GB 3096—2008 (and GB 22337—2008 at shop boundaries), LAeq dB(A)
# ---------------------------------------------------------------------------

NOISE_LIMITS = {  # zone class: (day 06–22, night 22–06)
    "0": (50, 40),
    "1": (55, 45),
    "2": (60, 50),
    "3": (65, 55),
    "4a": (70, 55),
    "4b": (70, 60),
}
NOISE_ZONES = tuple(NOISE_LIMITS)
DAY_STARTS = time(6, 0)
NIGHT_STARTS = time(22, 0)
# At night a single event's Lmax may exceed the limit by at most this much.
NIGHT_LMAX_ALLOWANCE_DB = 15


@dataclass(frozen=True)
class NoiseResult:
    period: str  # "day" or "night"
    limit: float
    exceeded: bool
    lmax_exceeded: bool
    excess_db: float  # leq − limit, negative when within


def noise_zone(zone: str | int) -> str:
    key = str(zone).strip().lower()
    if key not in NOISE_LIMITS:
        raise ValueError(f"unknown GB 3096 zone class {zone!r}")
    return key


def noise_period(at: datetime) -> str:
    """ "day" from 06:00 to before 22:00 Asia/Shanghai, otherwise "night"."""
    local = at if at.tzinfo is None else at.astimezone(LOCAL_TZ)
    return "day" if DAY_STARTS <= local.time() < NIGHT_STARTS else "night"


def noise_limit(zone: str | int, period: str) -> int:
    day, night = NOISE_LIMITS[noise_zone(zone)]
    return day if period == "day" else night


def noise_check(
    zone: str | int, leq: float, at: datetime, lmax: float | None = None
) -> NoiseResult:
    """Compliance of one LAeq measured at ``at``; at night also the Lmax rule."""
    period = noise_period(at)
    limit = noise_limit(zone, period)
    lmax_exceeded = (
        period == "night"
        and lmax is not None
        and lmax > limit + NIGHT_LMAX_ALLOWANCE_DB
    )
    return NoiseResult(
        period=period,
        limit=limit,
        exceeded=leq > limit,
        lmax_exceeded=lmax_exceeded,
        excess_db=round(leq - limit, 1),
    )


def energy_mean_db(levels: Iterable[float]) -> float | None:
    """The equivalent level of several levels (energy average), dB."""
    levels = list(levels)
    if not levels:
        return None
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels) / len(levels))


# ---------------------------------------------------------------------------
# Catering fume: DB31/844—2014 (Shanghai); GB 18483—2001 nationally
# ---------------------------------------------------------------------------

# Shanghai limit, mg/m³ (DB31/844—2014); the national GB 18483—2001 limit is 2.0.
FUME_LIMIT_MG_M3 = 1.0
# Samples are judged as window means; online monitoring is not standardised, so
# the window is configurable (GB 18483 samples are 10-minute means).
FUME_WINDOW_MINUTES = 10


@dataclass(frozen=True)
class FumeWindow:
    start: datetime
    end: datetime
    mean_mg_m3: float
    count: int
    exceeded: bool


def fume_windows(
    samples: Iterable[tuple[datetime, float]],
    *,
    window_minutes: int = FUME_WINDOW_MINUTES,
    threshold_mg_m3: float = FUME_LIMIT_MG_M3,
) -> list[FumeWindow]:
    """Clock-aligned window means of fume concentration and whether each exceeds
    the threshold. Windows without samples are left out."""
    if window_minutes <= 0:
        raise ValueError("window must be positive")
    width = timedelta(minutes=window_minutes)
    buckets: dict[datetime, list[float]] = {}
    for at, value in samples:
        midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight + ((at - midnight) // width) * width
        buckets.setdefault(start, []).append(float(value))
    windows = []
    for start in sorted(buckets):
        values = buckets[start]
        mean = sum(values) / len(values)
        windows.append(
            FumeWindow(start, start + width, mean, len(values), mean > threshold_mg_m3)
        )
    return windows


def fan_without_cleaner(
    fan: Iterable[tuple[datetime, float]],
    cleaner: Iterable[tuple[datetime, float]],
    *,
    on_above: float = 0.5,
) -> list[tuple[datetime, datetime | None]]:
    """Intervals when the exhaust fan runs while the fume cleaner is off. Each
    series is a step function of (time, status); a status above ``on_above``
    (a 0/1 switch, or a current in A with a suitable threshold) means running.
    An interval still open at the last sample ends with None."""
    changes: dict[datetime, dict[str, bool]] = {}
    for which, series in (("fan", fan), ("cleaner", cleaner)):
        for at, value in series:
            changes.setdefault(at, {})[which] = float(value) > on_above
    state = {"fan": False, "cleaner": False}
    intervals: list[tuple[datetime, datetime | None]] = []
    started: datetime | None = None
    for at in sorted(changes):
        state.update(changes[at])  # simultaneous samples count together
        bad = state["fan"] and not state["cleaner"]
        if bad and started is None:
            started = at
        elif not bad and started is not None:
            intervals.append((started, at))
            started = None
    if started is not None:
        intervals.append((started, None))
    return intervals
