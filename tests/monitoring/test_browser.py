"""The monitoring pages in headless Chromium under the real content security
policy: charts draw from the vendored Chart.js, the station map fills in, no
script error."""

from __future__ import annotations

import pytest

from monitoring.demo import build_monitoring
from tests.browser.test_pages import browser, demo, screenshot_dir, visit  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def monitoring_demo(demo):  # noqa: F811
    build_monitoring(demo)
    return demo


def test_air_board_draws_its_chart_and_the_station_map_fills_in(
    monitoring_demo,
    visit,  # noqa: F811
    screenshot_dir,  # noqa: F811
):
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    tab.go("/monitoring/boards/air/")
    chart_drawn = "() => Chart.getChart(document.querySelector('canvas.mon-chart'))"
    page.wait_for_function(chart_drawn)
    assert page.locator(".mon-card").count() == 8
    page.screenshot(path=screenshot_dir / "monitoring-air-1366.png")
    tab.go("/monitoring/boards/water/")
    page.wait_for_function(chart_drawn)
    tab.go("/monitoring/map/")
    page.wait_for_selector("#station-map[data-stations='30']", state="attached")
    page.screenshot(path=screenshot_dir / "monitoring-map-1366.png")
    assert tab.errors == []
