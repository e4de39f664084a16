"""Server-side behaviour of the registry's HTML pages (the browser tests in
tests/browser drive the same pages in Chromium)."""

import json
import re

from django.urls import reverse


def _page(client, user, name, **headers):
    client.force_login(user)
    return client.get(reverse(name), headers=headers)


def _json_script(html: str, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html
    )
    return json.loads(match.group(1))


def test_htmx_request_gets_only_the_rows_and_the_response_varies_on_it(
    client, world, bureau_officer
):
    response = _page(
        client, bureau_officer, "enforcement:enterprise-list", HX_Request="true"
    )
    html = response.content.decode()
    assert 'id="enterprise-table"' in html
    assert "<html" not in html and 'class="card filters"' not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, world, bureau_officer):
    response = _page(
        client,
        bureau_officer,
        "enforcement:enterprise-list",
        HX_Request="true",
        HX_History_Restore_Request="true",
    )
    html = response.content.decode()
    assert "<html" in html and 'class="card filters"' in html


def test_import_button_is_offered_to_bureau_staff_only(
    client, world, bureau_officer, officer_a
):
    import_url = reverse("enforcement:enterprise-import")
    page = _page(client, bureau_officer, "enforcement:enterprise-list")
    assert import_url in page.content.decode()
    page = _page(client, officer_a, "enforcement:enterprise-list")
    assert import_url not in page.content.decode()


def test_dashboard_chart_data_counts_the_users_enterprises_by_sector_and_street(
    client, world, bureau_officer
):
    response = _page(client, bureau_officer, "dashboard")
    data = response.context["chart_data"]
    assert dict(zip(data["sector"]["keys"], data["sector"]["values"], strict=True)) == {
        "catering": 1,
        "auto_repair": 1,
    }
    assert sorted(data["street"]["labels"]) == ["乙街道", "甲街道"]
    embedded = _json_script(response.content.decode(), "chart-data")
    assert embedded["street"]["values"] == [1, 1]


def test_street_officers_dashboard_has_no_street_chart_but_shortcuts(
    client, world, officer_a
):
    html = _page(client, officer_a, "dashboard").content.decode()
    assert 'id="chart-street"' not in html
    assert 'id="chart-sector"' in html
    assert reverse("mobile-home") in html
    assert "乙街道" not in html  # nothing of street B, not even in the chart data


def test_map_and_phone_pages_carry_translated_labels_for_their_scripts(
    client, world, officer_a
):
    map_html = _page(client, officer_a, "map").content.decode()
    labels = _json_script(map_html, "map-labels")
    assert labels["sectors"]["catering"] == "餐饮"
    assert "%(count)s" in labels["points"]
    phone_html = _page(client, officer_a, "mobile-home").content.decode()
    labels = _json_script(phone_html, "mobile-labels")
    assert labels["statuses"]["operating"] == "正常经营"
    assert "甲街道" in phone_html and "乙街道" not in phone_html
