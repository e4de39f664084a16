import pytest

from core.geo import PolygonIndex, distance_m, wgs84_to_gcj02
from tests.conftest import rectangle


def test_polygon_index_finds_the_containing_cell_and_none_outside():
    index = PolygonIndex([(1, rectangle(0, 0, 1, 1)), (2, rectangle(1, 0, 2, 1))])
    assert index.locate(0.5, 0.5) == 1
    assert index.locate(1.5, 0.5) == 2
    assert index.locate(5, 5) is None
    assert index.locate_many([(0.5, 0.5), (1.5, 0.2), (9, 9)]) == [1, 2, None]


def test_distance_of_one_degree_of_latitude_is_about_111_km():
    assert distance_m(31.0, 121.0, 32.0, 121.0) == pytest.approx(111_195, rel=1e-3)


def test_gcj02_shifts_shanghai_by_a_few_hundred_metres_and_leaves_paris_alone():
    lon, lat = wgs84_to_gcj02(121.4737, 31.2304)
    shift = distance_m(31.2304, 121.4737, lat, lon)
    assert 300 < shift < 700
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
