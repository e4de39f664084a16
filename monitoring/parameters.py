"""The parameter catalogue (OpenAQ-style: each sensor measures one parameter).

Pollutant codes are HJ 212—2017 appendix codes. STANDARDS.md confirms a34004,
a34002, a21026, a21004, a21005, a24088, a01007, a01008, w01001, w01009, w01018,
w21003, w21011 and LA; a05024 (O3) is marked *check* there. The other codes are
from the standard's code table as used by monitor vendors (*check*); equipment
status and catering-fume codes are not fixed nationally and are set per sensor
(``Sensor.hj212_code``), so the catalogue value is only a default.

Plausible ranges reject values in the wrong unit (PM2.5 sent in mg/m³, CO in
µg/m³) and sensor faults; they are defaults, editable per sensor.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

UG_M3 = "µg/m³"
MG_M3 = "mg/m³"
MG_L = "mg/L"
DBA = "dB(A)"

# How hourly values are formed from readings.
MEAN = "mean"  # arithmetic mean
ENERGY = "energy"  # sound levels: 10·log10(mean(10^(L/10)))
CIRCULAR = "circular"  # directions: vector mean of unit vectors


@dataclass(frozen=True)
class Parameter:
    code: str
    label: str
    unit: str
    hj212_code: str
    valid_min: float
    valid_max: float
    aggregation: str = MEAN


PARAMETERS: dict[str, Parameter] = {
    p.code: p
    for p in (
        # ambient air (HJ 633 keys)
        Parameter("PM2_5", _("PM2.5"), UG_M3, "a34004", 0, 1000),
        Parameter("PM10", _("PM10"), UG_M3, "a34002", 0, 2000),
        Parameter("SO2", _("SO₂"), UG_M3, "a21026", 0, 3000),
        Parameter("NO2", _("NO₂"), UG_M3, "a21004", 0, 4000),
        Parameter("CO", _("CO"), MG_M3, "a21005", 0, 150),
        Parameter("O3", _("O₃"), UG_M3, "a05024", 0, 1500),
        Parameter("TSP", _("TSP"), UG_M3, "a34001", 0, 20000),
        Parameter("NMHC", _("Non-methane hydrocarbons"), MG_M3, "a24088", 0, 200),
        Parameter("TVOC", _("TVOC"), MG_M3, "", 0, 200),
        # meteorology
        Parameter("wind_speed", _("Wind speed"), "m/s", "a01007", 0, 75),
        Parameter(
            "wind_direction", _("Wind direction"), "°", "a01008", 0, 360, CIRCULAR
        ),
        Parameter("temperature", _("Air temperature"), "°C", "a01001", -50, 60),
        Parameter("humidity", _("Relative humidity"), "%", "a01002", 0, 100),
        # surface water and outlets (GB 3838 keys)
        Parameter("pH", _("pH"), "pH", "w01001", 0, 14),
        Parameter("DO", _("Dissolved oxygen"), MG_L, "w01009", 0, 25),
        Parameter("CODMn", _("Permanganate index"), MG_L, "w01019", 0, 100),
        Parameter("COD", _("COD"), MG_L, "w01018", 0, 5000),
        Parameter("BOD5", _("BOD₅"), MG_L, "w01017", 0, 2000),
        Parameter("NH3_N", _("Ammonia nitrogen"), MG_L, "w21003", 0, 500),
        Parameter("TP", _("Total phosphorus"), MG_L, "w21011", 0, 100),
        Parameter("TN", _("Total nitrogen"), MG_L, "w21001", 0, 500),
        Parameter("petroleum", _("Petroleum"), MG_L, "w22001", 0, 100),
        Parameter("volatile_phenol", _("Volatile phenol"), MG_L, "w23002", 0, 10),
        Parameter("water_temperature", _("Water temperature"), "°C", "w01010", 0, 50),
        Parameter("flow", _("Flow"), "L/s", "w00000", 0, 100000),
        # noise
        Parameter("LAeq", _("Equivalent sound level"), DBA, "LA", 20, 140, ENERGY),
        Parameter("LAmax", _("Maximum sound level"), DBA, "LMx", 20, 160, ENERGY),
        # indoor air (GB/T 18883)
        Parameter("HCHO", _("Formaldehyde"), MG_M3, "", 0, 10),
        Parameter("CO2", _("CO₂"), "ppm", "", 0, 20000),
        # catering fume monitors (DB31/844)
        Parameter("fume", _("Cooking fume"), MG_M3, "a34041", 0, 100),
        Parameter("fan_on", _("Exhaust fan running"), "0/1", "FanSt", 0, 1),
        Parameter("cleaner_on", _("Fume cleaner running"), "0/1", "PurSt", 0, 1),
    )
}
PARAMETER_CHOICES = [(p.code, p.label) for p in PARAMETERS.values()]

# Units a reading may arrive in, with the factor to the sensor's unit.
UNIT_ALIASES = {
    "µg/m³": UG_M3,
    "μg/m³": UG_M3,  # Greek mu
    "ug/m3": UG_M3,
    "µg/m3": UG_M3,
    "μg/m3": UG_M3,
    "mg/m³": MG_M3,
    "mg/m3": MG_M3,
    "mg/l": MG_L,
    "mg/L": MG_L,
    "db(a)": DBA,
    "dB(A)": DBA,
    "dba": DBA,
    "dB": DBA,
}
CONVERSIONS = {(MG_M3, UG_M3): 1000.0, (UG_M3, MG_M3): 0.001}


def normalise_unit(unit: str) -> str:
    unit = (unit or "").strip()
    return UNIT_ALIASES.get(unit, UNIT_ALIASES.get(unit.lower(), unit))


def unit_factor(from_unit: str, to_unit: str) -> float | None:
    """Factor converting a value from one unit to another; None if impossible."""
    source, target = normalise_unit(from_unit), normalise_unit(to_unit)
    if source == target:
        return 1.0
    return CONVERSIONS.get((source, target))


# Stations of each kind are set up with these parameters by default (the demo and
# the admin's "add default sensors" action).
DEFAULT_PARAMETERS = {
    "ambient_air": [
        "PM2_5",
        "PM10",
        "SO2",
        "NO2",
        "CO",
        "O3",
        "wind_speed",
        "wind_direction",
    ],
    "surface_water": ["pH", "DO", "CODMn", "NH3_N", "TP"],
    "noise": ["LAeq", "LAmax"],
    "indoor_air": ["PM2_5", "CO2", "HCHO", "TVOC"],
    "outlet": ["pH", "COD", "NH3_N", "flow"],
    "fume": ["fume", "fan_on", "cleaner_on"],
    "dust": ["TSP", "PM10", "LAeq"],
}

# Indoor-air limits for the indoor board, GB/T 18883—2022 (*check*: not in the
# project's standards notes; editable as rules).
INDOOR_LIMITS = {"HCHO": 0.08, "TVOC": 0.6, "CO2": 1000, "PM2_5": 50}
