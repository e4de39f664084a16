"""A full run on several connections at once (PostgreSQL): each worker reads one
range of enterprises and scores chunks as they come; the codes are those of one
enterprise's recompute, progress is recorded in order, and a failing chunk stops
the run."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from enforcement import services
from enforcement.models import HealthCode, RecomputeRun, RiskModel
from enforcement.services import health_io
from tests.conftest import make_restaurants
from tests.enforcement.conftest import record_penalty

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_risk_model(transactional_db):
    """The risk model a migration ships, made again if a transactional test's
    flush emptied its table."""
    from importlib import import_module

    from django.apps import apps

    if not RiskModel.objects.active().exists():
        name = "enforcement.migrations.0004_starter_checklists_and_risk_model"
        import_module(name).load(apps, None)


@pytest.fixture
def district_of_30(world, bureau_officer) -> list:
    """30 enterprises, each with a penalty of its own amount and age."""
    enterprises = [
        world.enterprise_x,
        world.enterprise_y,
        *make_restaurants(world.street_a, 28, first_serial=5000),
    ]
    for n, enterprise in enumerate(enterprises):
        record_penalty(
            enterprise=enterprise,
            user=bureau_officer,
            amount=str(1000 * (n + 1)),
            decided_on=timezone.localdate() - timedelta(days=20 * n),
        )
    return sorted(enterprises, key=lambda e: e.pk)


def codes() -> dict[int, tuple]:
    return {
        c.enterprise_id: (c.score, c.colour, c.vetoed_by, c.top_factor)
        for c in HealthCode.objects.all()
    }


def test_two_workers_give_every_enterprise_its_own_code(district_of_30):
    HealthCode.objects.all().delete()  # the penalties' own recomputes
    run = services.health_codes_recompute_all(chunk_size=4, workers=2)
    assert (run.status, run.done, run.total) == ("finished", 30, 30)
    assert run.last_enterprise_id == district_of_30[-1].pk
    full = codes()
    assert len(full) == 30
    assert all(code[0] > 0 for code in full.values())
    for enterprise in district_of_30:  # both halves of the id range scored
        code = services.health_code_recompute(enterprise_id=enterprise.pk)
        assert (code.score, code.colour, code.vetoed_by, code.top_factor) == full[
            enterprise.pk
        ]


def test_a_failing_chunk_stops_the_run_after_the_chunks_before_it(
    district_of_30, monkeypatch
):
    run_chunk = health_io.SqlScoring.run

    def failing_third_chunk(self, **chunk):
        if chunk["first_id"] == district_of_30[8].pk:
            raise RuntimeError("disk full")
        return run_chunk(self, **chunk)

    monkeypatch.setattr(health_io.SqlScoring, "run", failing_third_chunk)
    with pytest.raises(RuntimeError, match="disk full"):
        services.health_codes_recompute_all(chunk_size=4, workers=2)
    run = RecomputeRun.objects.get()
    assert run.status == "failed" and "disk full" in run.error
    # progress stops before the failed chunk, whatever ran beside it
    assert run.last_enterprise_id == district_of_30[7].pk
    with connection.cursor() as cursor:  # and the work table is gone
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE %s",
            [health_io.TABLE_PREFIX + "%"],
        )
        assert cursor.fetchone() == (0,)
