"""The inspection form on a phone with a flaky connection: the visit is kept in a
local draft while offline and sent (once) when the connection comes back."""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from enforcement.models import Enterprise, Inspection
from grid.models import Membership
from tests.browser.test_pages import (  # noqa: F401 - shared browser fixtures
    PHONE,
    browser,
    demo,
    screenshot_dir,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# a 1 x 1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
    "hKmMIQAAAABJRU5ErkJggg=="
)


def test_an_inspection_recorded_offline_is_sent_once_when_back_online(  # noqa: F811
    demo,  # noqa: F811
    visit,  # noqa: F811
    screenshot_dir,  # noqa: F811
):
    officer = Membership.objects.get(user__username="officer")
    restaurant = (
        Enterprise.objects.filter(
            sector="catering", status="operating", street__in=officer.streets.all()
        )
        .order_by("pk")
        .first()
    )
    tab = visit(viewport=PHONE)
    tab.log_in("officer")
    page = tab.page
    tab.go(reverse("enforcement:inspection-new", args=[restaurant.pk]))
    assert page.locator("body.mobile").count() == 1
    unchecked = page.locator("input[name=officers]:not(:checked)").first
    unchecked.check()
    for item in page.locator("li[data-kind=yes_no]").all():
        item.locator("input[value=yes]").check()
    for item in page.locator("li[data-kind=number]").all():
        item.locator("input").fill("0.5")
    page.set_input_files(
        "li[data-item=C07] input[type=file]",
        files=[{"name": "outlet.png", "mimeType": "image/png", "buffer": PNG}],
    )
    expect(page.locator("li[data-item=C07] .photo-count")).to_have_text(
        re.compile(r"^1 ✓")
    )
    page.fill("textarea[name=findings]", "油烟净化设施运行正常")
    page.fill("input[name=representative_name]", "王经理")

    page.context.set_offline(True)
    page.click("form#inspection-form button.primary")
    page.wait_for_selector("#status.warning")
    draft = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('inspection-draft'))"
    )
    assert len(draft) == 1 and Inspection.objects.count() == 0
    page.screenshot(path=screenshot_dir / "inspection-offline-390.png")

    page.context.set_offline(False)  # the page resubmits on its own
    page.wait_for_url("**/enterprises/inspections/*/")
    assert Inspection.objects.count() == 1
    inspection = Inspection.objects.get()
    assert inspection.officers.count() == 2
    assert inspection.photos.count() == 1 and inspection.idempotency_key
    assert "油烟净化设施运行正常" in page.content()
    assert page.evaluate("localStorage.length") == 0
    assert tab.errors == []
