"""The wall screen in headless Debian Chromium at 1920x1080 and 3840x2160: the
kiosk logs in with its key and every panel fills from the demo district, with
no tile server and no web font (every request off the live server is refused).

Screenshots go to $SCREENSHOT_DIR (default: a pytest temporary directory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import sync_playwright

from monitoring.models import Alarm
from screen.demo import DEMO_KIOSK_KEY

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def demo_district(transactional_db):
    call_command("seed_demo", enterprises=300, verbosity=0)
    if not Alarm.objects.filter(status=Alarm.Status.OPEN).exists():
        # an alarm that comes in now, so "today's alarms" has a row whatever
        # the hour the test runs at
        alarm = Alarm.objects.order_by("-started_at").first()
        alarm.pk = None
        alarm.status = Alarm.Status.OPEN
        alarm.started_at = alarm.peak_at = timezone.now()
        alarm.ended_at = None
        alarm.save()


def _panels_filled(page) -> dict:
    return page.evaluate(
        """() => ({
          cells: document.querySelectorAll('#map polygon').length,
          stations: document.querySelectorAll('#map .station').length,
          tickets: document.querySelectorAll('#map .ticket').length,
          charts: [...document.querySelectorAll('canvas')].filter(
              c => Chart.getChart(c) && c.width > 0).length,
          aqi: document.querySelector('#panel-air [data-field=aqi_mean]').textContent,
          water: document.querySelector(
              '#panel-water [data-field=stations]').textContent,
          noise: document.querySelector(
              '#panel-noise [data-field=compliant]').textContent,
          indoor: document.querySelectorAll('#indoor-table tr').length,
          alarms: document.querySelectorAll('#alarm-table tr td.muted').length === 0
              && document.querySelectorAll('#alarm-table tr').length,
          overdue: document.querySelector('#overdue-total').textContent,
          joint: document.querySelector('#joint-table').textContent.trim(),
          overflow: document.documentElement.scrollHeight > window.innerHeight,
        })"""
    )


VIEWPORTS = [{"width": 1920, "height": 1080}, {"width": 3840, "height": 2160}]


def test_the_wall_screen_fills_every_panel_from_the_demo_district(
    demo_district, live_server, tmp_path_factory, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    folder = os.environ.get("SCREENSHOT_DIR")
    shots = Path(folder) if folder else tmp_path_factory.mktemp("screen")
    shots.mkdir(parents=True, exist_ok=True)
    blocked, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport=VIEWPORTS[0], locale="zh-CN")
        context.route(
            lambda url: not url.startswith(live_server.url),
            lambda route: (blocked.append(route.request.url), route.abort()),
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + reverse("screen:login"))
        page.fill("input[name=key]", DEMO_KIOSK_KEY)
        page.click("form button.primary")
        page.wait_for_url(live_server.url + reverse("screen:screen"))
        filled = []
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            page.reload()
            page.wait_for_selector("body[data-loaded=true]", timeout=20_000)
            filled.append(_panels_filled(page))
            page.screenshot(path=str(shots / f"screen-{viewport['width']}.png"))
        # the kiosk cannot step off the screen
        response = page.goto(live_server.url + reverse("enforcement:enterprise-list"))
        assert response.status == 404
        browser.close()
    assert errors == [] and blocked == []
    assert filled[0] == filled[1]  # the same panels at 4K, scaled
    filled = filled[0]
    assert filled["cells"] >= 100 and filled["stations"] >= 20
    assert filled["tickets"] > 0
    assert filled["charts"] == 5  # AQI trend, water classes, overdue, two codes
    assert filled["aqi"].isdigit() and int(filled["water"]) > 0
    assert int(filled["noise"]) > 0 and filled["indoor"] == 4
    assert filled["alarms"] >= 1
    assert int(filled["overdue"]) > 0
    assert "暂无数据" in filled["joint"]  # joint enforcement not registered yet
    assert filled["overflow"] is False
