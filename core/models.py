"""Shared kernel: the base model and the scoped-queryset contract."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: every row knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows are visible per user.

    Every scoped model implements ``for_user``; views, the API and selectors all
    start from it, so an object outside a user's scope is never fetched (404).
    """

    def for_user(self, user) -> ScopedQuerySet:  # pragma: no cover - contract
        raise NotImplementedError


class AuditLink(models.Model):
    """Audit chain link (审计链): one history event sealed into a hash chain.

    Each link's hash covers the previous link's hash and a canonical JSON of the
    event row, so altering or deleting a sealed history row breaks the chain at
    that link (``manage.py audit_verify`` finds it)."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    event_model = models.CharField(_("event model"), max_length=100)
    event_id = models.BigIntegerField(_("event id"))
    event_created_at = models.DateTimeField(_("event time"))
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit chain link")
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        verbose_name_plural = _("audit chain links")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_model", "event_id"],
                name="core_auditlink_one_link_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_model}:{self.event_id}"


class NotificationQuerySet(ScopedQuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Notification (通知): one message to one user, shown in-app under the bell
    and, by preference, sent by email or SMS."""

    class Category(models.TextChoices):
        COLOUR_CHANGE = "colour_change", _("Code colour changed")
        DISPATCH = "dispatch", _("Work dispatched")
        ESCALATION = "escalation", _("Escalation")
        ALARM = "alarm", _("Monitoring alarm")
        INVITATION = "invitation", _("Joint-enforcement invitation")
        WASTE_WARNING = "waste_warning", _("Hazardous-waste warning")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the bell: unread count per user; the list: newest first per user
            models.Index(
                fields=["user", "read_at", "-created_at"], name="core_notif_user_unread"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    category__in=[
                        "colour_change",
                        "dispatch",
                        "escalation",
                        "alarm",
                        "invitation",
                        "waste_warning",
                        "other",
                    ]
                ),
                name="core_notification_category_valid",
            )
        ]

    def __str__(self) -> str:
        return self.title


mainland_mobile = RegexValidator(
    r"^1[3-9]\d{9}$",
    _("Enter a mainland China mobile number (11 digits starting with 1)."),
)


class NotificationPreference(models.Model):
    """Notification preference (通知偏好): channels, muted categories and quiet
    hours of one user. Urgent messages ignore quiet hours and mutes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_enabled = models.BooleanField(_("send by email"), default=True)
    sms_enabled = models.BooleanField(_("send by SMS"), default=False)
    sms_number = models.CharField(
        _("mobile number"), max_length=11, blank=True, validators=[mainland_mobile]
    )
    muted_categories = models.JSONField(_("muted categories"), default=list, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class WebhookEndpoint(TimeStampedModel):
    """Group webhook (群机器人): a WeChat Work (企业微信) group robot or a generic
    JSON receiver that gets the messages of chosen categories, for one agency
    (by id, as grid owns agencies) or for the whole platform."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeChat Work group robot")
        JSON = "json", _("Generic JSON webhook")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(
        _("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    categories = models.JSONField(
        _("categories"),
        default=list,
        blank=True,
        help_text=_("Empty means all categories."),
    )
    agency_id = models.BigIntegerField(
        _("agency id"), null=True, blank=True, help_text=_("Empty means every agency.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["wecom", "json"]),
                name="core_webhookendpoint_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """Delivery log (发送记录): one message on one outside channel, with its
    attempts. A failing channel is retried and logged; it never blocks the
    business action that caused the message."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WECOM = "wecom", _("WeChat Work group robot")
        JSON = "json", _("Generic JSON webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("target"), max_length=500)
    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        null=True,
        blank=True,
        verbose_name=_("notification"),
    )
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    not_before = models.DateTimeField(_("not before"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        indexes = [
            # the sender's sweep: due pending deliveries
            models.Index(fields=["status", "not_before"], name="core_delivery_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "sms", "wecom", "json"]),
                name="core_delivery_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "sent", "failed"]),
                name="core_delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.target}"


class IdempotentRequest(models.Model):
    """Idempotent request (幂等请求): the first answer to a request sent with an
    ``Idempotency-Key``, replayed when a phone or an ingestion client retries.

    A row is claimed (``in_flight``) before the request runs and completed with the
    answer in the same transaction as the request's own writes, so a retry gets
    either the stored answer, a 409 while the first is still running, or - after a
    failure that wrote nothing - a fresh run."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        DONE = "done", _("Done")

    owner = models.CharField(
        _("owner"), max_length=150, help_text=_("user:<id>, or anonymous")
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    fingerprint = models.CharField(_("request fingerprint (SHA-256)"), max_length=64)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.IN_FLIGHT
    )
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    body = models.JSONField(_("response body"), null=True, encoder=DjangoJSONEncoder)
    headers = models.JSONField(_("response headers"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key"], name="core_idempotentrequest_one_per_key"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["in_flight", "done"]),
                name="core_idempotentrequest_state_valid",
            ),
        ]
        indexes = [
            # the daily purge of expired keys
            models.Index(fields=["created_at"], name="core_idem_created"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class PeriodicWatermark(models.Model):
    """Periodic-job watermark (定时任务水位): how far a periodic job has processed.
    After downtime the next run covers everything since, once."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    processed_until = models.DateTimeField(_("processed until"))
    runs = models.PositiveIntegerField(_("runs"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("periodic job watermark")
        verbose_name_plural = _("periodic job watermarks")

    def __str__(self) -> str:
        return f"{self.name} @ {self.processed_until:%Y-%m-%d %H:%M}"
