"""One notification service: in-app bell, email, SMS, group webhooks; failures
retry and never roll back the business action; quiet hours defer."""

import json
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from core.models import Delivery, Notification, NotificationPreference, WebhookEndpoint
from core.notifications import (
    LoggingSmsBackend,
    delivery_send,
    notify,
    quiet_until,
    wecom_payload,
)
from enforcement.models import Enterprise

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Receiver:
    """A real HTTP server on loopback that records posts and answers a set status."""

    def __init__(self, status=200, body=b'{"errcode": 0}'):
        receiver = self
        self.posts, self.status, self.body = [], status, body

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server naming
                length = int(self.headers["Content-Length"])
                receiver.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_notify_puts_a_message_under_the_bell(client, world, officer_a):
    notify(users=[officer_a], category="dispatch", title="新工单", url="/m/")
    client.force_login(officer_a)
    assert 'class="count">1<' in client.get("/").content.decode()
    assert client.get("/api/v1/core/notifications/unread-count/").json() == {
        "unread": 1
    }
    client.post("/notifications/")
    assert Notification.objects.for_user(officer_a).unread().count() == 0


def test_wecom_robot_gets_a_markdown_message(
    world, officer_a, receiver, django_capture_on_commit_callbacks
):
    robot = receiver()
    WebhookEndpoint.objects.create(name="执法群", kind="wecom", url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[officer_a],
            category="alarm",
            title="油烟超标",
            body="某餐厅",
            url="/x/",
            urgent=True,
        )
    assert robot.posts[0]["msgtype"] == "markdown"
    assert "油烟超标" in robot.posts[0]["markdown"]["content"]
    assert "【紧急】" in robot.posts[0]["markdown"]["content"]
    assert Delivery.objects.get().status == "sent"


def test_failing_webhook_retries_with_backoff_and_keeps_the_business_write(
    world, officer_a, receiver, django_capture_on_commit_callbacks
):
    broken = receiver(status=500, body=b"down")
    WebhookEndpoint.objects.create(name="坏钩子", kind="json", url=broken.url)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Enterprise.objects.filter(pk=world.enterprise_x.pk).update(name="业务已保存")
        notify(users=[officer_a], category="dispatch", title="派单")
    world.enterprise_x.refresh_from_db()
    assert world.enterprise_x.name == "业务已保存"
    delivery = Delivery.objects.get(channel="json")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    first_retry = delivery.not_before
    broken.status, broken.body = 200, b"{}"
    assert delivery_send(delivery_id=delivery.pk) == "skipped"  # not due yet
    assert (
        delivery_send(delivery_id=delivery.pk, now=first_retry + timedelta(seconds=1))
        == "sent"
    )
    assert len(broken.posts) == 2


def test_a_webhook_that_keeps_failing_ends_failed_after_the_last_retry(
    world, officer_a, receiver
):
    broken = receiver(status=503, body=b"")
    WebhookEndpoint.objects.create(name="坏钩子", kind="json", url=broken.url)
    notify(users=[officer_a], category="dispatch", title="派单")
    delivery = Delivery.objects.get()
    for _attempt in range(10):
        delivery.refresh_from_db()
        if delivery.status != "pending":
            break
        delivery_send(delivery_id=delivery.pk, now=delivery.not_before)
    assert delivery.status == "failed" and delivery.attempts == 6


def test_quiet_hours_defer_non_urgent_email_but_not_urgent(world, officer_a):
    officer_a.email = "a@example.org"
    officer_a.save()
    NotificationPreference.objects.create(
        user=officer_a, quiet_start=time(22), quiet_end=time(7)
    )
    night = datetime(2026, 11, 28, 23, 30, tzinfo=SHANGHAI)
    notify(users=[officer_a], category="dispatch", title="普通", now=night)
    notify(users=[officer_a], category="alarm", title="紧急", urgent=True, now=night)
    deferred = Delivery.objects.get(payload__title="普通")
    urgent = Delivery.objects.get(payload__title="紧急")
    assert deferred.not_before == datetime(2026, 11, 29, 7, 0, tzinfo=SHANGHAI)
    assert urgent.not_before == night
    assert mail.outbox == [] or all(m.subject != "普通" for m in mail.outbox)
    assert delivery_send(delivery_id=deferred.pk, now=night) == "skipped"
    assert delivery_send(delivery_id=deferred.pk, now=deferred.not_before) == "sent"
    assert mail.outbox[-1].subject == "普通"


def test_quiet_hours_inside_the_same_day():
    preference = NotificationPreference(quiet_start=time(12), quiet_end=time(14))
    lunch = datetime(2026, 11, 28, 12, 30, tzinfo=SHANGHAI)
    assert quiet_until(preference, lunch) == datetime(
        2026, 11, 28, 14, 0, tzinfo=SHANGHAI
    )
    assert quiet_until(preference, lunch.replace(hour=15)) is None


def test_muted_category_is_skipped_unless_urgent(world, officer_a):
    NotificationPreference.objects.create(user=officer_a, muted_categories=["dispatch"])
    notify(users=[officer_a], category="dispatch", title="静音")
    notify(users=[officer_a], category="dispatch", title="紧急", urgent=True)
    assert list(Notification.objects.values_list("title", flat=True)) == ["紧急"]


def test_sms_goes_through_the_configured_backend(world, officer_a):
    LoggingSmsBackend.outbox.clear()
    NotificationPreference.objects.create(
        user=officer_a, sms_enabled=True, sms_number="13812345678"
    )
    notify(users=[officer_a], category="escalation", title="工单超时")
    assert delivery_send(delivery_id=Delivery.objects.get(channel="sms").pk) == "sent"
    assert LoggingSmsBackend.outbox == [("13812345678", "工单超时")]


def test_agency_webhook_only_gets_its_agencys_messages(
    world, officer_a, receiver, django_capture_on_commit_callbacks
):
    hook = receiver()
    WebhookEndpoint.objects.create(
        name="甲街道群", kind="json", url=hook.url, agency_id=world.office_a.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[],
            category="dispatch",
            title="乙街道的事",
            agency_ids=[world.office_b.pk],
        )
        notify(
            users=[],
            category="dispatch",
            title="甲街道的事",
            agency_ids=[world.office_a.pk],
        )
    assert [p["title"] for p in hook.posts] == ["甲街道的事"]


def test_webhook_url_must_be_http_or_https():
    endpoint = WebhookEndpoint(name="x", kind="json", url="ftp://example.org/hook")
    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()
    assert "url" in error.value.message_dict


def test_sms_number_must_be_a_mainland_mobile(client, world, officer_a):
    client.force_login(officer_a)
    response = client.post(
        "/notifications/preferences/",
        {"sms_enabled": "on", "sms_number": "12345", "email_enabled": "on"},
    )
    assert response.status_code == 400
    assert "sms_number" in response.context["form"].errors
    assert not NotificationPreference.objects.filter(
        user=officer_a, sms_enabled=True
    ).exists()


def test_wecom_payload_shape():
    payload = wecom_payload(title="标题", body="内容", url="", urgent=False)
    assert payload == {"msgtype": "markdown", "markdown": {"content": "**标题**\n内容"}}


def test_users_see_only_their_own_notifications(api, world, officer_a, officer_b):
    notify(users=[officer_a], category="dispatch", title="给甲")
    assert api(officer_b).get("/api/v1/core/notifications/").data["results"] == []
    assert [
        n["title"]
        for n in api(officer_a).get("/api/v1/core/notifications/").data["results"]
    ] == ["给甲"]
