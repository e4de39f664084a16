from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_coverage_check_names_uncovered_streets_and_fails(world, bureau_officer):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_grid_coverage", stdout=out)
    assert "乙街道" in out.getvalue()
    assert "甲街道" not in out.getvalue()


def test_coverage_check_passes_when_every_street_is_covered(world, bureau_officer):
    bureau_officer.memberships.get().streets.add(world.street_b)
    call_command("check_grid_coverage", stdout=StringIO())


def test_inactive_officer_does_not_count(world, bureau_officer):
    bureau_officer.memberships.update(is_active=False)
    from grid.selectors import street_list_without_bureau_officer

    assert set(street_list_without_bureau_officer()) == {world.street_a, world.street_b}


def test_dashboard_shows_streets_without_officer_to_bureau_staff(
    client, world, bureau_officer
):
    client.force_login(bureau_officer)
    page = client.get("/").content.decode()
    assert "乙街道" in page and "streets-without-officer" in page
