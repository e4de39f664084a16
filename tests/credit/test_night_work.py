"""Night-work applications follow the construction site's colour."""

from datetime import UTC, datetime, time, timedelta
from datetime import timezone as dt_timezone

import pytest

from core.errors import InvalidInput
from credit import services
from credit.models import CreditCode
from credit.selectors import (
    SUPERVISION,
    colour_by_enterprise,
    supervision_by_enterprise,
)
from enforcement.models import EnterpriseAccount
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


@pytest.fixture
def site(world, django_user_model):
    from enforcement.models import Enterprise

    enterprise = Enterprise.objects.create(
        uscc=make_uscc(9),
        name="甲工地",
        sector="construction_site",
        lon=121.41,
        lat=31.205,
        street=world.street_a,
        grid_cell=world.cell_a,
    )
    user = django_user_model.objects.create_user("site", password="x")
    EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    return enterprise, user


def with_colour(enterprise, colour):
    CreditCode.objects.filter(enterprise=enterprise).update(is_current=False)
    CreditCode.objects.create(
        enterprise=enterprise,
        colour=colour,
        source="cycle",
        valid_from=NOW - timedelta(days=10),
        valid_until=NOW.date() + timedelta(days=100),
    )


def apply(enterprise, user, **extra):
    return services.night_work_apply(
        enterprise=enterprise,
        user=user,
        work_date=NOW.date(),
        starts_at=time(22, 0),
        ends_at=time(5, 0),
        works="混凝土浇筑",
        now=NOW,
        **extra,
    )


def test_a_green_site_is_approved_at_once(site):
    enterprise, user = site
    with_colour(enterprise, "green")
    application = apply(enterprise, user)
    assert application.state == "approved" and application.decided_at == NOW


def test_a_yellow_site_is_queued_for_review_the_same_day(site, bureau_officer):
    enterprise, user = site
    with_colour(enterprise, "yellow")
    application = apply(enterprise, user)
    assert application.state == "queued"
    assert (
        application.review_due.astimezone(dt_timezone(timedelta(hours=8))).date()
        == (NOW + timedelta(hours=8)).date()
    )
    decided = services.night_work_decide(
        application=application, user=bureau_officer, approve=True
    )
    assert decided.state == "approved"


def test_a_red_site_is_refused_with_a_reason(site):
    enterprise, user = site
    with_colour(enterprise, "red")
    application = apply(enterprise, user)
    assert application.state == "refused"
    assert application.reason


def test_a_site_without_a_valid_code_waits_for_review(site):
    enterprise, user = site
    assert apply(enterprise, user).state == "queued"


def test_daytime_hours_and_non_sites_are_refused_naming_the_field(
    site, world, enterprise_user_x
):
    enterprise, user = site
    with pytest.raises(InvalidInput) as error:
        services.night_work_apply(
            enterprise=enterprise,
            user=user,
            work_date=NOW.date(),
            starts_at=time(14, 0),
            ends_at=time(5, 0),
            works="x",
            now=NOW,
        )
    assert list(error.value.fields) == ["starts_at"]
    with pytest.raises(InvalidInput) as error:
        apply(world.enterprise_x, enterprise_user_x)
    assert "enterprise" in error.value.fields


def test_colour_by_enterprise_gives_planning_its_frequency_and_sampling_ratio(site):
    enterprise, _user = site
    with_colour(enterprise, "red")
    assert colour_by_enterprise(as_of=NOW.date()) == {enterprise.pk: "red"}
    assert supervision_by_enterprise(
        enterprise_ids=[enterprise.pk], as_of=NOW.date()
    ) == {enterprise.pk: {"colour": "red", **SUPERVISION["red"]}}
    assert colour_by_enterprise(as_of=NOW.date() + timedelta(days=365)) == {}
