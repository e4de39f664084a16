"""The standard indices against the vectors and rules in the standards."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitoring.indices import (
    aqi_daily,
    aqi_hourly,
    energy_mean_db,
    fan_without_cleaner,
    fume_windows,
    noise_check,
    water_class,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTER = date(2026, 6, 1)  # HJ 633—2026 in force
BEFORE = date(2025, 6, 1)  # HJ 633—2012
EXAMPLE_1 = {"PM2_5": 45, "PM10": 80, "SO2": 8, "NO2": 35, "CO": 0.8, "O3_8h": 120}
EXAMPLE_2 = {"PM2_5": 20, "PM10": 40, "SO2": 5, "NO2": 20, "CO": 0.5, "O3_8h": 80}


# --- AQI: worked examples -------------------------------------------------


def test_worked_example_under_2026_rules_is_72_good_with_pm10_primary():
    result = aqi_daily(EXAMPLE_1, AFTER)
    assert result.aqi == 72
    assert result.level == 2
    assert result.category == "良"
    assert result.colour == "#FFFF00"
    assert result.primary_pollutants == ["PM10"]
    assert result.edition == "HJ 633-2026"
    assert result.iaqi == {
        "SO2": 8,
        "NO2": 44,
        "CO": 20,
        "PM10": 72,
        "PM2_5": 70,
        "O3_8h": 67,
    }


def test_same_day_under_2012_rules_is_67_with_ozone_primary():
    result = aqi_daily(EXAMPLE_1, BEFORE)
    assert result.aqi == 67
    assert result.primary_pollutants == ["O3_8h"]
    assert result.edition == "HJ 633-2012"
    assert result.iaqi["PM10"] == 65
    assert result.iaqi["PM2_5"] == 63


@pytest.mark.parametrize("day", [BEFORE, AFTER])
def test_clean_day_is_40_excellent_without_primary_pollutant(day):
    result = aqi_daily(EXAMPLE_2, day)
    assert result.aqi == 40
    assert result.category == "优"
    assert result.colour == "#00E400"
    assert result.primary_pollutants == []


# --- AQI: edition by date -------------------------------------------------


def test_edition_changes_on_first_of_march_2026():
    assert aqi_daily({"PM2_5": 70}, date(2026, 2, 28)).edition == "HJ 633-2012"
    assert aqi_daily({"PM2_5": 70}, date(2026, 3, 1)).edition == "HJ 633-2026"


def test_hourly_edition_follows_the_shanghai_date_not_utc():
    just_before = datetime(2026, 2, 28, 15, 59, tzinfo=UTC)  # 23:59 local
    just_after = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 00:00 local 1 March
    assert aqi_hourly({"NO2": 50}, just_before).edition == "HJ 633-2012"
    assert aqi_hourly({"NO2": 50}, just_after).edition == "HJ 633-2026"


def test_pm_breakpoints_at_index_100_differ_between_editions():
    assert aqi_daily({"PM2_5": 75}, BEFORE).iaqi["PM2_5"] == 100
    assert aqi_daily({"PM2_5": 60}, AFTER).iaqi["PM2_5"] == 100
    assert aqi_daily({"PM10": 150}, BEFORE).iaqi["PM10"] == 100
    assert aqi_daily({"PM10": 120}, AFTER).iaqi["PM10"] == 100


# --- AQI: 2026 rounding (GB/T 8170 half to even) ---------------------------


def test_2026_rounds_pm25_60_5_down_to_60_and_index_100():
    assert aqi_daily({"PM2_5": 60.5}, AFTER).iaqi["PM2_5"] == 100


def test_2026_rounds_pm25_60_6_up_to_61_and_index_101():
    assert aqi_daily({"PM2_5": 60.6}, AFTER).iaqi["PM2_5"] == 101


def test_2026_rounds_half_to_even_not_half_up():
    assert aqi_daily({"PM2_5": 59.5}, AFTER).iaqi["PM2_5"] == 100  # 59.5 -> 60
    assert aqi_daily({"PM2_5": 58.5}, AFTER).iaqi["PM2_5"] == 96  # 58.5 -> 58


def test_2026_rounds_co_to_a_tenth_with_decimal_not_float_round():
    # float round(2.15, 1) gives 2.1; GB/T 8170 on the decimal 2.15 gives 2.2
    assert aqi_daily({"CO": 2.15}, AFTER).iaqi["CO"] == 55
    assert aqi_daily({"CO": 2.05}, AFTER).iaqi["CO"] == 50  # 2.05 -> 2.0


def test_2012_does_not_round_concentrations_first():
    assert aqi_daily({"PM2_5": 60.5}, BEFORE).iaqi["PM2_5"] == 82  # 81.875 up


def test_index_is_rounded_up_to_an_integer():
    # PM2.5 36 (2026): 50 + 1 * 50 / 25 = 52 exactly; 37 -> 54; NO2 41 -> 51.25 -> 52
    assert aqi_daily({"PM2_5": 36}, AFTER).iaqi["PM2_5"] == 52
    assert aqi_daily({"NO2": 41}, AFTER).iaqi["NO2"] == 52


# --- AQI: special rules ----------------------------------------------------


def test_so2_hourly_above_800_is_index_200_under_2026():
    at = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)
    assert aqi_hourly({"SO2": 900}, at).iaqi["SO2"] == 200


def test_so2_hourly_above_800_uses_the_24h_index_under_2012():
    at = datetime(2025, 6, 1, 10, tzinfo=SHANGHAI)
    result = aqi_hourly({"SO2": 900, "SO2_24h": 300}, at)
    assert result.iaqi["SO2"] == 124  # 100 + (300 - 150) * 50 / 325, rounded up


def test_so2_hourly_above_800_without_a_24h_mean_is_missing_under_2012():
    at = datetime(2025, 6, 1, 10, tzinfo=SHANGHAI)
    result = aqi_hourly({"SO2": 900, "NO2": 50}, at)
    assert "SO2" not in result.iaqi
    assert "SO2" in result.missing


def test_ozone_8h_above_800_is_index_300_under_2026():
    assert aqi_daily({"O3_8h": 850}, AFTER).iaqi["O3_8h"] == 300


def test_ozone_8h_above_800_takes_the_1h_index_under_2012():
    result = aqi_daily({"O3_8h": 850, "O3": 900}, BEFORE)
    assert result.iaqi["O3_8h"] == 350  # O3 1h 900: 300 + 100 * 100 / 200


def test_2026_daily_report_indexes_the_8h_ozone_only():
    result = aqi_daily({**EXAMPLE_1, "O3": 250}, AFTER)
    assert "O3" not in result.iaqi
    assert aqi_daily({**EXAMPLE_1, "O3": 250}, BEFORE).iaqi["O3"] == 125


def test_hourly_report_uses_1h_breakpoints_and_24h_ones_for_particles():
    at = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)
    result = aqi_hourly(
        {"SO2": 500, "NO2": 200, "CO": 10, "O3": 200, "PM10": 120, "PM2_5": 60}, at
    )
    assert result.iaqi == {
        "SO2": 100,
        "NO2": 100,
        "CO": 100,
        "O3": 100,
        "PM10": 100,
        "PM2_5": 100,
    }
    assert result.primary_pollutants == ["SO2", "NO2", "CO", "O3", "PM10", "PM2_5"]


def test_index_is_capped_at_500_above_the_top_breakpoint():
    assert aqi_daily({"PM2_5": 800}, AFTER).aqi == 500


def test_primary_pollutants_list_every_tie():
    result = aqi_daily({**EXAMPLE_2, "PM2_5": 60, "PM10": 120}, AFTER)
    assert result.primary_pollutants == ["PM10", "PM2_5"]


# --- AQI: missing pollutants (HJ 633—2026 §5.3) ----------------------------


def test_missing_pollutant_with_aqi_at_most_100_is_published_as_na():
    values = dict(EXAMPLE_1)
    del values["CO"]
    result = aqi_daily(values, AFTER)
    assert result.aqi is None
    assert result.level is None
    assert result.primary_pollutants == []
    assert result.iaqi["PM10"] == 72  # sub-indices are still published
    assert result.missing == ["CO"]


def test_missing_pollutant_with_aqi_above_100_is_published():
    result = aqi_daily({"PM2_5": 100, "PM10": 80}, AFTER)
    assert result.aqi == 137
    assert result.category == "轻度污染"
    assert result.primary_pollutants == ["PM2_5"]
    assert set(result.missing) == {"SO2", "NO2", "CO", "O3_8h"}


def test_2012_computes_from_whatever_is_present():
    assert aqi_daily({"PM2_5": 45}, BEFORE).aqi == 63


def test_nothing_measured_gives_no_index():
    assert aqi_daily({}, AFTER).aqi is None


# --- AQI: levels and colours -----------------------------------------------


@pytest.mark.parametrize(
    ("pm25", "aqi", "level", "category", "colour"),
    [
        (35, 50, 1, "优", "#00E400"),
        (36, 52, 2, "良", "#FFFF00"),
        (115, 150, 3, "轻度污染", "#FF7E00"),
        (150, 200, 4, "中度污染", "#FF0000"),
        (250, 300, 5, "重度污染", "#99004C"),
        (251, 301, 6, "严重污染", "#7E0023"),
    ],
)
def test_levels_categories_and_colours(pm25, aqi, level, category, colour):
    result = aqi_daily({**EXAMPLE_2, "PM2_5": pm25}, AFTER)
    assert (result.aqi, result.level, result.category, result.colour) == (
        aqi,
        level,
        category,
        colour,
    )


def test_negative_or_unknown_inputs_are_refused():
    with pytest.raises(ValueError, match="negative"):
        aqi_daily({"PM2_5": -1}, AFTER)
    with pytest.raises(ValueError, match="unknown"):
        aqi_daily({"PM25": 1}, AFTER)


# --- Water class (GB 3838) --------------------------------------------------


def test_dissolved_oxygen_is_a_minimum():
    assert water_class({"DO": 7.5}).grade == "I"
    assert water_class({"DO": 7.4}).grade == "II"
    assert water_class({"DO": 5}).grade == "III"
    assert water_class({"DO": 2}).grade == "V"
    assert water_class({"DO": 1.9}).grade == "劣V"


def test_lake_phosphorus_is_stricter_than_river_phosphorus():
    assert water_class({"TP": 0.05}, "river").grade == "II"
    assert water_class({"TP": 0.05}, "lake").grade == "III"
    assert water_class({"TP": 0.25}, "lake").grade == "劣V"


def test_total_nitrogen_counts_only_in_lakes():
    river = water_class({"DO": 8, "TN": 3.0}, "river")
    assert river.grade == "I"
    assert river.ignored == ["TN"]
    assert water_class({"DO": 8, "TN": 3.0}, "lake").grade == "劣V"


def test_worst_item_sets_the_class_and_is_listed_as_limiting():
    result = water_class(
        {"pH": 7.2, "DO": 6.5, "CODMn": 5, "NH3_N": 1.2, "TP": 0.25}, target="III"
    )
    assert result.grade == "IV"
    assert result.limiting == ["NH3_N", "TP"]
    assert result.items["DO"].grade == "II"
    assert result.items["NH3_N"].exceedance_multiple == 0.2
    assert result.items["TP"].exceedance_multiple == 0.25
    assert result.items["CODMn"].exceedance_multiple is None
    assert result.quality == "轻度污染"


def test_equal_limits_give_the_better_class():
    assert water_class({"COD": 15}).grade == "I"
    assert water_class({"petroleum": 0.05}).grade == "I"
    assert water_class({"COD": 15.1}).grade == "III"


def test_ph_outside_6_to_9_is_worse_than_v():
    assert water_class({"pH": 9.0}).grade == "I"
    assert water_class({"pH": 5.9}).grade == "劣V"
    assert water_class({"pH": 9.1, "DO": 8}).limiting == ["pH"]


def test_water_class_refuses_nothing_to_evaluate():
    with pytest.raises(ValueError):
        water_class({"temperature": 20})


# --- Noise (GB 3096) -----------------------------------------------------------


def local(hour, minute=0):
    return datetime(2026, 6, 1, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("at", "period", "limit"),
    [
        (local(5, 59), "night", 50),
        (local(6, 0), "day", 60),
        (local(21, 59), "day", 60),
        (local(22, 0), "night", 50),
    ],
)
def test_day_and_night_switch_at_06_and_22_shanghai_time(at, period, limit):
    result = noise_check("2", 55, at)
    assert (result.period, result.limit) == (period, limit)
    assert result.exceeded is (period == "night")


def test_noise_period_is_judged_in_shanghai_time_for_utc_moments():
    assert noise_check("1", 50, datetime(2026, 6, 1, 21, 59, tzinfo=UTC)).period == (
        "night"  # 05:59 in Shanghai
    )
    assert noise_check("1", 50, datetime(2026, 6, 1, 22, 0, tzinfo=UTC)).period == (
        "day"  # 06:00 in Shanghai
    )


def test_night_lmax_may_exceed_the_limit_by_15_db_at_most():
    assert noise_check("2", 45, local(23), lmax=65).lmax_exceeded is False
    assert noise_check("2", 45, local(23), lmax=65.1).lmax_exceeded is True
    assert noise_check("2", 45, local(12), lmax=90).lmax_exceeded is False


@pytest.mark.parametrize(
    ("zone", "day", "night"),
    [("0", 50, 40), (1, 55, 45), ("3", 65, 55), ("4a", 70, 55), ("4B", 70, 60)],
)
def test_zone_limits(zone, day, night):
    assert noise_check(zone, 0, local(12)).limit == day
    assert noise_check(zone, 0, local(23)).limit == night


def test_unknown_zone_is_refused():
    with pytest.raises(ValueError):
        noise_check("5", 50, local(12))


def test_energy_mean_of_equal_levels_is_that_level():
    assert energy_mean_db([60, 60]) == pytest.approx(60)
    assert energy_mean_db([60, 70]) == pytest.approx(67.4, abs=0.05)


# --- Catering fume ---------------------------------------------------------------


def test_fume_is_judged_on_clock_aligned_window_means():
    start = datetime(2026, 6, 1, 11, 55, tzinfo=SHANGHAI)
    samples = [(start + timedelta(minutes=m), 0.6 if m < 5 else 1.5) for m in range(15)]
    windows = fume_windows(samples)
    assert [(w.start.minute, w.count, w.exceeded) for w in windows] == [
        (50, 5, False),
        (0, 10, True),
    ]


def test_fume_window_and_threshold_are_configurable():
    start = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)
    samples = [(start + timedelta(minutes=m), 1.5) for m in range(10)]
    assert all(not w.exceeded for w in fume_windows(samples, threshold_mg_m3=2.0))
    assert len(fume_windows(samples, window_minutes=5)) == 2


def test_fan_running_while_cleaner_is_off_is_reported():
    t = [datetime(2026, 6, 1, 12, m, tzinfo=SHANGHAI) for m in range(6)]
    fan = [(t[0], 1), (t[4], 0)]
    cleaner = [(t[0], 1), (t[1], 0), (t[3], 1)]
    assert fan_without_cleaner(fan, cleaner) == [(t[1], t[3])]
    assert fan_without_cleaner([(t[0], 1)], [(t[0], 0)]) == [(t[0], None)]
    assert fan_without_cleaner([(t[0], 1)], [(t[0], 1)]) == []
