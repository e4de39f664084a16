"""The one notification service every module uses: in-app messages (the bell),
email, SMS and group webhooks (WeChat Work robot, generic JSON), with per-user
preferences and quiet hours. Outside channels are sent by a Celery task after
commit, retried with backoff and logged; they never block the business action."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import Delivery, Notification, NotificationPreference, WebhookEndpoint

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 5
RETRY_DELAYS_S = (30, 120, 600, 1800, 3600)  # then the delivery is marked failed


class TransientDeliveryError(Exception):
    """A channel failure worth retrying (network, 5xx, timeouts)."""


def _local_time(moment: datetime) -> time:
    return timezone.localtime(moment).time()


def quiet_until(
    preference: NotificationPreference | None, now: datetime
) -> datetime | None:
    """End of the user's quiet hours if ``now`` falls inside them, else None."""
    if (
        preference is None
        or preference.quiet_start is None
        or preference.quiet_end is None
    ):
        return None
    start, end, current = preference.quiet_start, preference.quiet_end, _local_time(now)
    inside = (
        start <= current < end if start < end else current >= start or current < end
    )
    if not inside:
        return None
    local = timezone.localtime(now)
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def wecom_payload(*, title: str, body: str, url: str, urgent: bool) -> dict:
    """A WeChat Work group-robot message (msgtype markdown)."""
    lines = [f"**{'【紧急】' if urgent else ''}{title}**"]
    if body:
        lines.append(body)
    if url:
        lines.append(f"[{url}]({_absolute(url)})")
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def _absolute(url: str) -> str:
    base = getattr(settings, "PLATFORM_BASE_URL", "").rstrip("/")
    return url if url.startswith("http") or not base else f"{base}{url}"


def notify(
    *,
    users: Iterable,
    category: str,
    title: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
    agency_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> list[Notification]:
    """Tell users (in-app, and by their email/SMS preferences) and the webhooks of
    the given agencies. Outside channels go out after the surrounding commit."""
    now = now or timezone.now()
    users = [user for user in users if user is not None and user.is_active]
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user__in=[u.pk for u in users])
    }
    recipients = [
        user
        for user in users
        if urgent
        or category
        not in (getattr(preferences.get(user.pk), "muted_categories", None) or [])
    ]
    notifications = Notification.objects.bulk_create(
        Notification(
            user=user, category=category, title=title, body=body, url=url, urgent=urgent
        )
        for user in recipients
    )
    deliveries: list[Delivery] = []
    for user, notification in zip(recipients, notifications, strict=True):
        preference = preferences.get(user.pk)
        not_before = (None if urgent else quiet_until(preference, now)) or now
        message = {"title": title, "body": body, "url": url, "urgent": urgent}
        if user.email and (preference is None or preference.email_enabled):
            deliveries.append(
                Delivery(
                    channel=Delivery.Channel.EMAIL,
                    target=user.email,
                    notification=notification,
                    payload=message,
                    not_before=not_before,
                )
            )
        if preference is not None and preference.sms_enabled and preference.sms_number:
            deliveries.append(
                Delivery(
                    channel=Delivery.Channel.SMS,
                    target=preference.sms_number,
                    notification=notification,
                    payload=message,
                    not_before=not_before,
                )
            )
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    for endpoint in endpoints:
        if endpoint.categories and category not in endpoint.categories:
            continue
        if endpoint.agency_id is not None and endpoint.agency_id not in agency_ids:
            continue
        if endpoint.kind == WebhookEndpoint.Kind.WECOM:
            payload = wecom_payload(title=title, body=body, url=url, urgent=urgent)
        else:
            payload = {
                "category": category,
                "title": title,
                "body": body,
                "url": _absolute(url),
                "urgent": urgent,
                "sent_at": now.isoformat(),
            }
        deliveries.append(
            Delivery(
                channel=endpoint.kind,
                target=endpoint.url,
                payload=payload,
                not_before=now,
            )
        )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        due = [d.pk for d in deliveries if d.not_before <= now]
        if due:
            from core.tasks import delivery_send_task

            def enqueue() -> None:
                for pk in due:
                    delivery_send_task.delay(pk)

            transaction.on_commit(enqueue, robust=True)
    return notifications


def _post_json(url: str, payload: dict) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310 - http(s) only, validated on save
            body = response.read(4096)
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise TransientDeliveryError(f"HTTP {error.code}") from error
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise TransientDeliveryError(str(error)) from error
    # A WeChat Work robot answers 200 with {"errcode": non-zero} when it refuses.
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        raise TransientDeliveryError(
            f"errcode {answer.get('errcode')}: {answer.get('errmsg')}"
        )


class LoggingSmsBackend:
    """SMS backend that only logs (and keeps an outbox, for tests and demos)."""

    outbox: list[tuple[str, str]] = []

    def send(self, number: str, text: str) -> None:
        logger.info("SMS to %s: %s", number, text)
        self.outbox.append((number, text))


def sms_backend():
    return import_string(
        getattr(settings, "SMS_BACKEND", "core.notifications.LoggingSmsBackend")
    )()


def _send(delivery: Delivery) -> None:
    payload = delivery.payload
    if delivery.channel == Delivery.Channel.EMAIL:
        send_mail(
            payload["title"],
            f"{payload.get('body', '')}\n{_absolute(payload.get('url', ''))}".strip(),
            None,
            [delivery.target],
        )
    elif delivery.channel == Delivery.Channel.SMS:
        sms_backend().send(
            delivery.target,
            f"{payload['title']} {payload.get('body', '')}".strip()[:300],
        )
    else:
        _post_json(delivery.target, payload)


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one due delivery, claimed with a conditional UPDATE so that any number
    of workers is safe. Returns the new status; schedules a retry on transient
    failure by moving ``not_before``."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, not_before__lte=now
    ).update(status=Delivery.Status.SENDING)
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.get(pk=delivery_id)
    delivery.attempts += 1
    try:
        _send(delivery)
    except TransientDeliveryError as error:
        delivery.last_error = str(error)[:2000]
        if delivery.attempts > len(RETRY_DELAYS_S):
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.status = Delivery.Status.PENDING
            delivery.not_before = now + timedelta(
                seconds=RETRY_DELAYS_S[delivery.attempts - 1]
            )
    except Exception as error:  # noqa: BLE001 - a permanent failure is logged, never raised
        logger.warning("delivery %s failed permanently: %s", delivery_id, error)
        delivery.last_error = str(error)[:2000]
        delivery.status = Delivery.Status.FAILED
    else:
        delivery.status, delivery.sent_at, delivery.last_error = (
            Delivery.Status.SENT,
            now,
            "",
        )
    delivery.save(
        update_fields=["status", "attempts", "last_error", "not_before", "sent_at"]
    )
    return delivery.status


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, not_before__lte=now)
        .order_by("not_before")
        .values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, user, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (all when ``ids`` is None)."""
    queryset = Notification.objects.for_user(user).unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())
