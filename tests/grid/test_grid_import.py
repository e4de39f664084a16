"""Importing grid cells from GeoJSON: invalid or overlapping polygons are rejected
with a reason per feature, and nothing is saved."""

import pytest

from grid.models import GridCell, Street
from grid.services import grid_cells_import
from tests.conftest import rectangle

pytestmark = pytest.mark.django_db


def feature(code, geometry, street_code="A", **props):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "code": code,
            "name": f"网格{code}",
            "street_code": street_code,
            **props,
        },
    }


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_good_cells_import_and_new_streets_are_created(world):
    report = grid_cells_import(
        district=world.district,
        feature_collection=collection(
            feature("A-002", rectangle(121.40, 31.22, 121.42, 31.24)),
            feature(
                "C-001",
                rectangle(121.42, 31.22, 121.44, 31.24),
                street_code="C",
                street_name="丙街道",
            ),
        ),
        dry_run=False,
    )
    assert report.ok and report.created == 2
    assert Street.objects.get(code="C").name == "丙街道"
    assert GridCell.objects.get(code="A-002").max_lat == pytest.approx(31.24)


def test_bow_tie_polygon_is_rejected_with_reason(world):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
    }
    report = grid_cells_import(
        district=world.district, feature_collection=collection(feature("X", bow_tie))
    )
    assert report.errors[0]["field"] == "geometry"
    assert report.errors[0]["feature"] == 1


def test_overlap_within_file_and_with_stored_cell_are_each_reported(world):
    report = grid_cells_import(
        district=world.district,
        feature_collection=collection(
            feature("N-1", rectangle(121.40, 31.22, 121.42, 31.24)),
            feature("N-2", rectangle(121.41, 31.23, 121.43, 31.25)),
            feature(
                "N-3", rectangle(121.41, 31.21, 121.415, 31.215)
            ),  # inside stored A-001
        ),
        dry_run=False,
    )
    by_code = {e["code"]: e["message"] for e in report.errors}
    assert set(by_code) == {"N-1", "N-2", "N-3"}
    assert "A-001" in by_code["N-3"]
    assert not GridCell.objects.filter(code__startswith="N-").exists()


def test_shared_edges_are_not_overlaps(world):
    report = grid_cells_import(
        district=world.district,
        feature_collection=collection(
            feature("A-009", rectangle(121.38, 31.20, 121.40, 31.22))
        ),
    )
    assert report.ok


def test_unknown_street_and_missing_code_are_reported(world):
    report = grid_cells_import(
        district=world.district,
        feature_collection=collection(
            feature("Z-1", rectangle(0, 0, 1, 1), street_code="ZZ"),
            {"type": "Feature", "geometry": rectangle(2, 2, 3, 3), "properties": {}},
        ),
    )
    assert {(e["feature"], e["field"]) for e in report.errors} == {
        (1, "street_code"),
        (2, "code"),
    }


def test_streets_without_bureau_officer_are_listed(world, bureau_officer):
    from grid.selectors import street_list_without_bureau_officer

    assert list(street_list_without_bureau_officer()) == [world.street_b]


def test_import_command_dry_runs_then_commits(world, tmp_path):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "cells.geojson"
    path.write_text(
        json.dumps(
            collection(feature("A-100", rectangle(121.40, 31.30, 121.41, 31.31)))
        )
    )
    out = StringIO()
    call_command("import_grid", str(path), district=world.district.code, stdout=out)
    assert (
        "dry run" in out.getvalue()
        and not GridCell.objects.filter(code="A-100").exists()
    )
    call_command(
        "import_grid", str(path), district=world.district.code, commit=True, stdout=out
    )
    assert GridCell.objects.filter(code="A-100").exists()
    path.write_text(
        json.dumps(
            collection(feature("A-101", rectangle(121.40, 31.30, 121.41, 31.31)))
        )
    )
    with pytest.raises(CommandError):
        call_command(
            "import_grid",
            str(path),
            district=world.district.code,
            commit=True,
            stdout=out,
        )
    assert "A-100" in out.getvalue()
