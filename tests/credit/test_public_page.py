"""The page behind a sticker: whitelisted public facts, outdated stickers, plain
404s, rate limit, cache invalidation, and the officer's portrait."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from credit import services
from credit.models import Sticker
from credit.selectors import PUBLIC_FIELDS
from tests.credit.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_values(world):
    enterprise = world.enterprise_x
    enterprise.contact_name = "王店长"
    enterprise.contact_phone = "13912345678"
    enterprise.property_manager = "梧桐物业"
    enterprise.permit_number = "PERMIT-XYZ-001"
    enterprise.address = "梧桐路1号"
    enterprise.save()
    return [enterprise.uscc, "13912345678", "PERMIT-XYZ-001"]


def sticker_of(enterprise) -> Sticker:
    return Sticker.objects.get(enterprise=enterprise, revoked_at__isnull=True)


def test_public_page_shows_only_whitelisted_fields(published, world, private_values):
    sticker = sticker_of(world.enterprise_x)
    response = Client().get(f"/c/{sticker.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    rendered = set(re.findall(r'data-field="([a-z_]+)"', html))
    assert rendered <= set(PUBLIC_FIELDS)
    assert {
        "name",
        "colour",
        "valid_until",
        "colour_meaning",
        "property_manager",
    } <= rendered
    assert "甲餐厅" in html and "梧桐物业" in html and "王店长" in html
    for secret in private_values:
        assert secret not in html
    assert "score" not in html.lower()  # evaluation details stay with staff


def test_public_page_needs_no_login_and_links_to_a_complaint_route(published, world):
    sticker = sticker_of(world.enterprise_x)
    html = Client().get(f"/c/{sticker.token}/").content.decode()
    assert 'data-colour="green"' in html
    assert "tel:12345" in html or "report" in html


def test_unknown_and_tampered_tokens_are_plain_404s(published, world):
    sticker = sticker_of(world.enterprise_x)
    client = Client()
    unknown = client.get("/c/AAAAAAAAAAAAAAAAAAAAAA/")
    tampered = client.get(f"/c/{sticker.token[:-1]}x/")
    assert unknown.status_code == tampered.status_code == 404
    assert unknown.content == client.get("/c/zz/").content  # same page, no hints
    assert sticker.token[:-1].encode() not in tampered.content


def test_tokens_are_not_derived_from_ids(published, world):
    sticker = sticker_of(world.enterprise_x)
    assert len(sticker.token) >= 22  # 128 random bits, URL-safe
    assert str(sticker.pk) != sticker.token
    assert str(world.enterprise_x.pk) not in {sticker.token, sticker.token[:2]}
    assert Client().get(f"/c/{sticker.pk}/").status_code == 404
    assert Client().get(f"/c/{world.enterprise_x.pk}/").status_code == 404


def test_reissued_stickers_old_token_says_outdated(published, world, bureau_admin):
    old = sticker_of(world.enterprise_x)
    Client().get(f"/c/{old.token}/")  # cached now
    new = services.sticker_reissue(
        enterprise=world.enterprise_x, user=bureau_admin, reason="原码贴被撕毁"
    )
    old_page = Client().get(f"/c/{old.token}/").content.decode()
    new_page = Client().get(f"/c/{new.token}/").content.decode()
    assert 'data-field="outdated"' in old_page
    assert "过期" in old_page or "outdated" in old_page
    assert 'data-field="outdated"' not in new_page


def test_under_appeal_is_shown_publicly_while_the_appeal_is_pending(
    published, world, enterprise_user_x, bureau_officer
):
    sticker = sticker_of(world.enterprise_x)
    assert (
        'data-field="under_appeal"'
        not in Client().get(f"/c/{sticker.token}/").content.decode()
    )
    appeal = services.appeal_file(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        reason="申诉理由",
        now=published.published_at + timedelta(days=1),
    )
    assert (
        'data-field="under_appeal"'
        in Client().get(f"/c/{sticker.token}/").content.decode()
    )
    services.appeal_decide(
        appeal=appeal, user=bureau_officer, upheld=False, reason="维持"
    )
    assert (
        'data-field="under_appeal"'
        not in Client().get(f"/c/{sticker.token}/").content.decode()
    )


def test_an_approved_statement_appears_beside_the_code(
    published, world, enterprise_user_x, bureau_officer
):
    sticker = sticker_of(world.enterprise_x)
    Client().get(f"/c/{sticker.token}/")
    reply = services.reply_submit(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        text="已整改完毕，欢迎监督",
    )
    assert "已整改完毕" not in Client().get(f"/c/{sticker.token}/").content.decode()
    services.reply_moderate(reply=reply, user=bureau_officer, approve=True)
    assert "已整改完毕" in Client().get(f"/c/{sticker.token}/").content.decode()


def test_the_public_page_is_rate_limited(published, world, settings):
    settings.CREDIT_PUBLIC_RATE_LIMIT = (3, 60)
    sticker = sticker_of(world.enterprise_x)
    client = Client()
    codes = [client.get(f"/c/{sticker.token}/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_an_officer_scanning_the_code_sees_the_full_portrait(
    published, world, bureau_officer, private_values
):
    sticker = sticker_of(world.enterprise_x)
    client = Client()
    client.force_login(bureau_officer)
    html = client.get(f"/c/{sticker.token}/").content.decode()
    assert world.enterprise_x.uscc in html and "13912345678" in html
    assert "data-field" not in html


def test_an_officer_of_another_street_gets_the_public_page(
    published, world, officer_b, private_values
):
    sticker = sticker_of(world.enterprise_x)
    client = Client()
    client.force_login(officer_b)
    html = client.get(f"/c/{sticker.token}/").content.decode()
    assert "13912345678" not in html
    assert 'data-field="name"' in html


def test_public_results_list_and_export_show_public_fields_only(
    published, world, private_values
):
    page = Client().get(f"/credit/published/{published.pk}/?street={world.street_a.pk}")
    assert page.status_code == 200
    assert "甲餐厅" in page.content.decode()
    export = Client().get(
        f"/credit/published/{published.pk}/export.csv?sector=catering"
    )
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "甲餐厅" in body and "梧桐路1号" in body
    for secret in private_values:
        assert secret not in body


def test_results_of_a_cycle_still_in_review_are_not_public(open_cycle):
    assert Client().get(f"/credit/published/{open_cycle.pk}/").status_code == 404


def test_public_sticker_api_returns_exactly_the_whitelist(published, world, api):
    sticker = sticker_of(world.enterprise_x)
    response = api().get(f"/api/v1/credit/public/stickers/{sticker.token}/")
    assert response.status_code == 200
    assert set(response.data) == set(PUBLIC_FIELDS)
    assert api().get("/api/v1/credit/public/stickers/nope/").status_code == 404


def test_the_notice_clock_is_the_services_clock_not_the_wall_clock(open_cycle):
    assert open_cycle.self_assessment_due == T0 + timedelta(days=7)
