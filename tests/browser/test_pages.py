"""The pages in headless Debian Chromium against a live server: log in through the
form, the dashboard, an enterprise file, the map with its tile server unreachable,
the street officer's phone page and the language switch.

Screenshots go to $SCREENSHOT_DIR (default: a pytest temporary directory) so a
person can look at them: Chinese glyphs must render and the layout must hold at
1366x768 and at 390x844."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from core.demo import DEMO_PASSWORD, DemoContext
from core.geo import wgs84_to_gcj02
from enforcement.demo import build_enterprises
from enforcement.models import Enterprise
from grid.demo import build_geography
from grid.models import GridCell
from tests.conftest import make_uscc

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never a downloaded browser
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DEMO_ENTERPRISES = 300


@pytest.fixture(scope="module")
def browser() -> Iterator:
    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls
    # made by the test itself (seeding, counting) are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    configured = os.environ.get("SCREENSHOT_DIR")
    path = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def demo(live_server, settings) -> DemoContext:
    """A small demo district: 13 streets, 200 grid cells, a few hundred
    enterprises and the demo users. Tiles stay at the configured server (the
    content security policy admits only that one); the browser refuses them."""
    settings.MAP_TILE_CRS = "WGS84"
    context = DemoContext(
        seed=2026,
        enterprises=DEMO_ENTERPRISES,
        random=random.Random(2026),
        log=lambda message: None,
    )
    build_geography(context)
    build_enterprises(context)
    return context


@dataclass
class Visit:
    """One browser tab, with what went wrong in it."""

    page: object
    base_url: str
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def log_in(self, username: str) -> None:
        self.go(reverse("login"))
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", DEMO_PASSWORD)
        self.page.click("form button.primary")
        self.page.wait_for_url(self.base_url + reverse("dashboard"))

    def has_no_horizontal_scroll(self) -> bool:
        return self.page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        )


@pytest.fixture
def visit(browser, live_server) -> Iterator:
    """visit(viewport=...) opens a tab in a fresh Chinese-speaking browser profile;
    every request that leaves the live server (tiles above all) is refused."""
    contexts = []

    def open_tab(*, viewport=DESKTOP, **options) -> Visit:
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", reduced_motion="reduce", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = Visit(page=context.new_page(), base_url=live_server.url)

        def refuse(route) -> None:
            tab.blocked.append(route.request.url)
            route.abort()

        context.route(lambda url: not url.startswith(live_server.url), refuse)
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def test_login_page_shows_the_demo_notice_and_refuses_a_wrong_password(
    demo, visit, settings, screenshot_dir
):
    settings.DEMO_MODE = True
    tab = visit()
    tab.go(reverse("login"))
    assert tab.page.locator("#demo-notice").is_visible()
    assert "虚构" in tab.page.locator("#demo-notice").inner_text()
    tab.page.screenshot(path=screenshot_dir / "login-1366.png")

    tab.page.fill("input[name=username]", "officer")
    tab.page.fill("input[name=password]", "not-the-password")
    tab.page.click("form button.primary")
    assert tab.page.url.startswith(tab.base_url + reverse("login"))
    assert tab.page.locator(".nonfield .errorlist").is_visible()
    assert tab.errors == []


def test_bureau_officer_logs_in_and_sees_the_dashboard_in_chinese(
    demo, visit, screenshot_dir
):
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    assert page.locator("h1").inner_text() == "工作台"
    assert page.locator(".mainnav a[aria-current=page]").inner_text() == "工作台"
    assert "在册企业" in page.locator(".cards").inner_text()
    total = page.locator(".stat .big").first.inner_text()
    assert int(total.replace(",", "")) == Enterprise.objects.count()
    # every demo street has a bureau officer, and the charts were drawn
    assert (
        "每个街镇都至少有一名局执法人员"
        in page.locator("#streets-without-officer").inner_text()
    )
    page.wait_for_selector("#chart-street[data-drawn=true]")
    page.wait_for_selector("#chart-sector[data-drawn=true]")
    assert "餐饮" in page.locator("#sector-table").inner_text()
    page.screenshot(path=screenshot_dir / "dashboard-1366.png")
    page.screenshot(path=screenshot_dir / "dashboard-1366-full.png", full_page=True)
    assert tab.errors == []


def test_enterprise_list_filters_in_place_and_opens_the_enterprise_file(
    demo, visit, screenshot_dir
):
    enterprise = Enterprise.objects.filter(sector="industrial").order_by("id").first()
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    tab.go(reverse("enforcement:enterprise-list"))
    assert page.locator("h1").inner_text() == "企业名录"
    page.evaluate("window.__samePage = true")

    page.fill("#id_q", enterprise.uscc)
    expect(page.locator("#enterprise-table tbody tr")).to_have_count(1)
    # htmx swapped the rows: same document, address bar updated for sharing
    assert page.evaluate("window.__samePage") is True
    assert f"q={enterprise.uscc}" in page.url
    row = page.locator("#enterprise-table tbody tr")
    assert enterprise.name in row.inner_text()
    assert "工业企业" in row.inner_text()
    page.screenshot(path=screenshot_dir / "enterprise-list-1366.png")

    page.click(f"#enterprise-table a:text-is('{enterprise.name}')")
    page.wait_for_url(tab.base_url + enterprise.get_absolute_url())
    assert page.locator("h1").inner_text() == enterprise.name
    facts = page.locator(".facts").inner_text()
    assert enterprise.uscc in facts and enterprise.street.name in facts
    assert "登记入库" in page.locator(".timeline").inner_text()
    page.wait_for_selector("#pin-map[data-state=ready]")
    page.wait_for_selector("#pin-map.no-tiles")
    assert page.locator("#pin-map .leaflet-tooltip").inner_text() == enterprise.name
    page.screenshot(path=screenshot_dir / "enterprise-file-1366.png", full_page=True)

    page.go_back()  # back to the filtered list, whole, not just the swapped rows
    page.wait_for_selector("#enterprise-table")
    assert page.locator("form.filters").is_visible()
    assert page.locator("#enterprise-table tbody tr").count() == 1
    assert tab.errors == []


def _wait_for_map(page, *, enterprises: int) -> None:
    """Until the map has loaded this many enterprises. (Attribute selectors, not
    wait_for_function: the pages' content security policy forbids eval.)"""
    page.wait_for_selector(
        f"#district-map[data-state=ready][data-enterprises='{enterprises}']"
    )


def _canvas_ink(page) -> int:
    """Non-transparent pixels on the map's vector canvas (polygons and points)."""
    return page.evaluate(
        """() => {
          const canvas = document.querySelector(
            '#district-map .leaflet-overlay-pane canvas');
          const data = canvas.getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
          let ink = 0;
          for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { ink++; } }
          return ink;
        }"""
    )


def test_map_draws_grid_cells_and_enterprises_when_tiles_cannot_be_fetched(
    demo, visit, settings, screenshot_dir
):
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    tab.go(reverse("map"))
    total = Enterprise.objects.count()
    _wait_for_map(page, enterprises=total)
    page.wait_for_selector("#district-map[data-state=ready]")
    map_element = page.locator("#district-map")
    assert map_element.get_attribute("data-cells") == str(GridCell.objects.count())
    # the tile server was asked and refused; the map said so and kept working
    tile_host = urlsplit(settings.MAP_TILE_URL).hostname.replace("{s}.", "")
    assert any(tile_host in urlsplit(url).hostname for url in tab.blocked)
    assert "no-tiles" in map_element.get_attribute("class")
    assert "底图无法加载" in page.locator(".map-note").inner_text()
    assert _canvas_ink(page) > 50_000  # 200 tinted cells cover much of the map
    assert page.locator("#district-map .marker-cluster").count() > 0
    assert f"{total}" in page.locator("#map-status").inner_text().replace(",", "")
    page.screenshot(path=screenshot_dir / "map-1366.png")

    # the street filter narrows both layers
    street = demo.made["streets"][0]
    page.select_option("#street-filter", str(street.pk))
    in_street = Enterprise.objects.filter(street=street).count()
    _wait_for_map(page, enterprises=in_street)
    assert map_element.get_attribute("data-cells") == str(
        GridCell.objects.filter(street=street).count()
    )
    assert tab.errors == []


def test_map_shows_server_side_clusters_beyond_the_feature_limit(
    demo, visit, monkeypatch, screenshot_dir
):
    monkeypatch.setattr("enforcement.selectors.MAP_FEATURE_LIMIT", 50)
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    tab.go(reverse("map"))
    page.wait_for_selector("#district-map[data-kind=clusters][data-state=ready]")
    clusters = page.locator("#district-map .server-cluster")
    assert clusters.count() > 1
    in_clusters = sum(int(n.replace(",", "")) for n in clusters.all_inner_texts())
    assert 1 < in_clusters <= Enterprise.objects.count()  # lone ones are plain dots
    assert "放大" in page.locator("#map-status").inner_text()
    page.screenshot(path=screenshot_dir / "map-clusters-1366.png")
    zoom_before = page.locator("#district-map").get_attribute("data-zoom")
    clusters.first.click()
    expect(page.locator("#district-map")).not_to_have_attribute(
        "data-zoom", zoom_before
    )
    assert tab.errors == []


def test_map_on_gcj02_tiles_shifts_for_display_and_still_finds_every_enterprise(
    demo, visit, settings
):
    settings.MAP_TILE_CRS = "GCJ02"
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    tab.go(reverse("map"))
    total = Enterprise.objects.count()
    _wait_for_map(page, enterprises=total)
    # geo.js is a faithful port of core.geo, and its inverse undoes it
    for lon, lat in [(121.4737, 31.2304), (121.43, 31.20), (116.39, 39.91)]:
        shifted = page.evaluate(f"window.EnvGeo.wgs84ToGcj02({lon}, {lat})")
        assert shifted == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-9)
        back = page.evaluate(f"window.EnvGeo.gcj02ToWgs84({shifted[0]}, {shifted[1]})")
        assert back == pytest.approx([lon, lat], abs=1e-7)
    assert page.evaluate("window.EnvGeo.wgs84ToGcj02(2.35, 48.85)") == [2.35, 48.85]
    assert tab.errors == []


def _add_restaurants(street, n: int) -> None:
    cell = GridCell.objects.filter(street=street).order_by("id").first()
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(900_000 + number),
            name=f"网格测试餐厅{number:02d}号",
            sector=Enterprise.Sector.CATERING,
            address=f"示范区测试路{number}号",
            lon=(cell.min_lon + cell.max_lon) / 2,
            lat=(cell.min_lat + cell.max_lat) / 2,
            street=street,
            grid_cell=cell,
        )
        for number in range(1, n + 1)
    )


def test_street_officer_uses_the_phone_page_at_phone_width(demo, visit, screenshot_dir):
    street_a, street_b = demo.made["streets"][:2]
    _add_restaurants(street_a, 30)  # more than one page of 20 on the phone
    own = Enterprise.objects.filter(street=street_a)
    tab = visit(viewport=PHONE, is_mobile=True, has_touch=True)
    tab.log_in("street_a")
    page = tab.page
    tab.go(reverse("mobile-home"))
    assert page.locator("h1").inner_text() == "我的网格"
    page.wait_for_selector("#m-list[data-loaded='20']")
    items = page.locator("#m-list .m-item")
    assert items.count() == 20
    assert all(street_a.name in text for text in items.all_inner_texts())
    assert f"共 {own.count()} 家企业" in page.locator("#m-status").inner_text()
    assert not page.locator(".mainnav").is_visible()  # the phone layout
    assert tab.has_no_horizontal_scroll()
    page.screenshot(path=screenshot_dir / "mobile-390.png")

    page.click("#m-more")
    expected = str(min(40, own.count()))
    page.wait_for_selector(f"#m-list[data-loaded='{expected}']")

    target = own.order_by("-id").first()
    page.fill("#m-search", target.uscc)
    page.wait_for_selector("#m-list[data-loaded='1']")
    assert target.name in page.locator("#m-list").inner_text()
    assert "q=" in page.url

    other = Enterprise.objects.filter(street=street_b).first()
    page.fill("#m-search", other.uscc)  # another street's enterprise stays hidden
    page.wait_for_selector("#m-list[data-loaded='0']", state="attached")
    assert page.locator("#m-status").inner_text() == "没有符合条件的企业。"

    page.fill("#m-search", target.uscc)
    page.wait_for_selector("#m-list[data-loaded='1']")
    page.click("#m-list .m-item")
    page.wait_for_url(tab.base_url + target.get_absolute_url())
    page.wait_for_selector("#pin-map[data-state=ready]")
    assert tab.has_no_horizontal_scroll()
    page.screenshot(path=screenshot_dir / "enterprise-file-390.png", full_page=True)
    assert tab.errors == []


def test_dashboard_and_map_hold_their_layout_at_phone_width(
    demo, visit, screenshot_dir
):
    tab = visit(viewport=PHONE, is_mobile=True, has_touch=True)
    tab.log_in("officer")
    page = tab.page
    page.wait_for_selector("#chart-sector[data-drawn=true]")
    assert tab.has_no_horizontal_scroll()
    page.screenshot(path=screenshot_dir / "dashboard-390.png")
    tab.go(reverse("map"))
    _wait_for_map(page, enterprises=Enterprise.objects.count())
    box = page.locator("#district-map").bounding_box()
    assert box["width"] == PHONE["width"] and box["height"] > 400
    assert tab.has_no_horizontal_scroll()
    page.screenshot(path=screenshot_dir / "map-390.png")
    assert tab.errors == []


def test_language_switch_turns_the_pages_into_english_and_back(demo, visit):
    tab = visit()
    tab.log_in("officer")
    page = tab.page
    assert page.locator("h1").inner_text() == "工作台"
    page.click(".lang button[value=en]")
    page.wait_for_selector("html[lang=en]", state="attached")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert [a.inner_text() for a in page.locator(".mainnav a").all()] == [
        "Dashboard",
        "Enterprises",
        "Health codes",
        "Inspection plans",
        "Map",
        "Joint enforcement",
        "Tickets",
        "Monitoring",
        "Credit codes",
        "Hazardous waste",
        "Data exchange",
        "Mobile",
        "API",
    ]
    page.click(".lang button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]", state="attached")
    assert page.locator("h1").inner_text() == "工作台"
    assert tab.errors == []
