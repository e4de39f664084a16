"""Official records enter the preliminary colour through the enforcement factor
registry; the adapter asks each named factor's provider for all enterprises."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from credit import factors, services
from credit.integration import credit_colour_factor
from enforcement import services as enforcement_services
from tests.credit.conftest import T0, answers_for

pytestmark = pytest.mark.django_db


def test_without_providers_every_record_factor_is_shown_as_unavailable(
    evaluation_x, enterprise_user_x, catering, monkeypatch
):
    monkeypatch.setattr(factors, "_registry", dict)
    evaluation = services.evaluation_self_assess(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        answers=answers_for(catering),
        now=T0 + timedelta(days=1),
    )
    assert evaluation.preliminary_colour == "green"
    assert evaluation.factor_values == {}
    unavailable = {
        r["factor"] for r in evaluation.reasons if r["kind"] == "factor_unavailable"
    }
    assert "enforcement.penalty_count" in unavailable


def test_a_registered_provider_feeds_the_rule_by_name(
    evaluation_x, enterprise_user_x, catering, world, monkeypatch
):
    penalties = SimpleNamespace(
        name="enforcement.penalty_count",
        provider=lambda *, as_of: {world.enterprise_x.pk: 1, world.enterprise_y.pk: 5},
    )
    monkeypatch.setattr(
        enforcement_services,
        "factors",
        lambda: {"enforcement.penalty_count": penalties},
        raising=False,
    )
    evaluation = services.evaluation_self_assess(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        answers=answers_for(catering),
        now=T0 + timedelta(days=1),
    )
    # one penalty: −15 points (score 85, still green) but yellow_at 1 caps it
    assert evaluation.factor_values == {"enforcement.penalty_count": 1.0}
    assert evaluation.score == 85
    assert evaluation.preliminary_colour == "yellow"


def test_the_credit_colour_is_offered_to_planning_as_a_factor(published, world):
    assert credit_colour_factor(as_of=published.published_at.date()) == {
        world.enterprise_x.pk: 0
    }
