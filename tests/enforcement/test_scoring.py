"""The health-code arithmetic, without a database."""

from decimal import Decimal

import pytest

from enforcement.scoring import (
    FactorAggregate,
    FactorParams,
    ModelSnapshot,
    decay,
    score_enterprise,
)


def snapshot(*factors, yellow="20", red="50") -> ModelSnapshot:
    return ModelSnapshot(
        model_id=1,
        version=1,
        yellow_from=Decimal(yellow),
        red_from=Decimal(red),
        factors=factors,
    )


def params(name, weight, half_life=None, cap=None, veto_at=None) -> FactorParams:
    return FactorParams(name, weight, half_life, cap, veto_at)


def test_a_record_loses_half_its_weight_per_half_life():
    assert decay(0, 180) == 1.0
    assert decay(180, 180) == pytest.approx(0.5)
    assert decay(360, 180) == pytest.approx(0.25)
    assert decay(1000, None) == 1.0


def test_breakdown_contributions_add_up_to_the_score_exactly():
    model = snapshot(
        params("a", 3.333, 365, cap=40),
        params("b", 7.77, 90),
        params("c", 1.1),
    )
    score, _colour, breakdown, _veto = score_enterprise(
        model,
        {
            "a": FactorAggregate(raw=3, decayed=2.71828, total=3, ids=(3, 2, 1)),
            "b": FactorAggregate(raw=1, decayed=0.33333, total=1, ids=(9,)),
            "c": FactorAggregate(raw=2.5, decayed=2.5),
        },
    )
    assert sum(Decimal(str(entry["contribution"])) for entry in breakdown) == score
    # largest contribution first
    assert [entry["factor"] for entry in breakdown] == ["a", "c", "b"]


def test_a_factor_never_gives_more_than_its_cap():
    model = snapshot(params("fines", 10, cap=30))
    score, colour, breakdown, _veto = score_enterprise(
        model, {"fines": FactorAggregate(raw=9, decayed=9, total=9)}
    )
    assert score == Decimal("30.00")
    assert breakdown[0]["contribution"] == 30.0 and breakdown[0]["raw"] == 9
    assert colour == "yellow"


def test_thresholds_set_the_colour():
    model = snapshot(params("x", 1))
    colours = [
        score_enterprise(model, {"x": FactorAggregate(raw=v, decayed=v, total=1)})[1]
        for v in (0.5, 19.99, 20, 49.99, 50)
    ]
    assert colours == ["green", "green", "yellow", "yellow", "red"]


def test_a_veto_factor_forces_red_whatever_the_score():
    model = snapshot(params("major", 0.01, veto_at=1), params("other", 1))
    score, colour, breakdown, vetoed = score_enterprise(
        model, {"major": FactorAggregate(raw=1, decayed=1, total=1, ids=(5,))}
    )
    assert score < model.yellow_from
    assert colour == "red" and vetoed == ["major"]
    assert breakdown[0]["factor"] == "major"


def test_an_enterprise_without_records_is_green_with_an_empty_breakdown():
    score, colour, breakdown, vetoed = score_enterprise(
        snapshot(params("x", 10)), {"x": None}
    )
    assert (score, colour, breakdown, vetoed) == (Decimal(0), "green", [], [])
