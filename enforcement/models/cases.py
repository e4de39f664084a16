"""Violation → penalty decision → rectification order, and their status history."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import TimeStampedModel
from enforcement.models.enterprises import Enterprise
from enforcement.models.inspections import EnterpriseRecordQuerySet, Inspection


@history.track()
class Violation(TimeStampedModel):
    """Violation (违法行为): an unlawful act found at an enterprise, with the law
    article it breaks. Open until a penalty is decided or it is dismissed."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        GENERAL = "general", _("General")
        MAJOR = "major", _("Major")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENALIZED = "penalized", _("Penalty decided")
        CLOSED = "closed", _("Closed")
        DISMISSED = "dismissed", _("Dismissed")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="violations",
        verbose_name=_("enterprise"),
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        related_name="violations",
        null=True,
        blank=True,
        verbose_name=_("found in inspection"),
    )
    found_on = models.DateField(_("found on"))
    law_article = models.CharField(_("law article"), max_length=200)
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recorded_violations",
        verbose_name=_("recorded by"),
    )

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-found_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=["minor", "general", "major"]),
                name="enforcement_violation_severity_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "penalized", "closed", "dismissed"]),
                name="enforcement_violation_status_valid",
            ),
        ]
        indexes = [
            # the enterprise file and the open-major-violation factor
            models.Index(
                fields=["enterprise", "status", "severity"],
                name="enforcement_viol_ent_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.law_article} ({self.enterprise})"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:violation-detail", args=[self.pk])


@history.track()
class PenaltyDecision(TimeStampedModel):
    """Administrative penalty decision (行政处罚决定书): its unique number, the
    fine in yuan and the measures ordered."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        EXECUTED = "executed", _("Executed")
        REVOKED = "revoked", _("Revoked")

    class Measure(models.TextChoices):
        WARNING = "warning", _("Warning")
        FINE = "fine", _("Fine")
        CONFISCATION = "confiscation", _("Confiscation of illegal gains")
        ORDER_TO_CORRECT = "order_to_correct", _("Order to correct")
        RESTRICTED_PRODUCTION = "restricted_production", _("Restricted production")
        SUSPENSION = "suspension", _("Suspension for rectification")
        CLOSURE = "closure", _("Order to close")

    violation = models.OneToOneField(
        Violation,
        on_delete=models.PROTECT,
        related_name="penalty",
        verbose_name=_("violation"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="penalties",
        verbose_name=_("enterprise"),
    )
    decision_number = models.CharField(_("decision number"), max_length=60, unique=True)
    decided_on = models.DateField(_("decision date"))
    amount_yuan = models.DecimalField(
        _("fine (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    measures = models.JSONField(_("measures"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="penalty_decisions",
        verbose_name=_("decided by"),
    )

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("penalty decision")
        verbose_name_plural = _("penalty decisions")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_yuan__gte=0),
                name="enforcement_penaltydecision_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["issued", "executed", "revoked"]),
                name="enforcement_penaltydecision_status_valid",
            ),
        ]
        indexes = [
            # the enterprise file; health-code penalty factors by date
            models.Index(
                fields=["enterprise", "-decided_on"], name="enforcement_pen_ent_date"
            ),
        ]

    def __str__(self) -> str:
        return self.decision_number

    def get_absolute_url(self) -> str:
        return reverse("enforcement:violation-detail", args=[self.violation_id])

    def get_measures_display(self) -> list[str]:
        labels = dict(self.Measure.choices)
        return [str(labels.get(m, m)) for m in self.measures]


@history.track()
class RectificationOrder(TimeStampedModel):
    """Rectification order (责令整改通知): what must be corrected by when, and the
    re-check inspection that confirms it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PASSED = "passed", _("Passed re-check")
        FAILED = "failed", _("Failed re-check")
        CANCELLED = "cancelled", _("Cancelled")

    penalty = models.ForeignKey(
        PenaltyDecision,
        on_delete=models.PROTECT,
        related_name="rectification_orders",
        verbose_name=_("penalty decision"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="rectification_orders",
        verbose_name=_("enterprise"),
    )
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("deadline"))
    requirements = models.TextField(_("requirements"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    recheck_inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        related_name="rechecked_orders",
        null=True,
        blank=True,
        verbose_name=_("re-check inspection"),
    )
    outcome = models.TextField(_("outcome"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("issued_on")),
                name="enforcement_rectificationorder_deadline_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "passed", "failed", "cancelled"]),
                name="enforcement_rectificationorder_status_valid",
            ),
        ]
        indexes = [
            # open and overdue rectification factors; the enterprise file
            models.Index(
                fields=["status", "deadline", "enterprise"],
                name="enforcement_rect_status_dl",
            ),
            models.Index(fields=["enterprise", "status"], name="enforcement_rect_ent"),
        ]

    def __str__(self) -> str:
        return f"{self.penalty.decision_number} · {self.deadline:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:violation-detail", args=[self.penalty.violation_id])


class StatusChange(models.Model):
    """Status change (状态变更记录) of a violation, penalty or rectification
    order: every transition is a row (who, when, from, to, why)."""

    class RecordType(models.TextChoices):
        VIOLATION = "violation", _("Violation")
        PENALTY = "penalty", _("Penalty decision")
        RECTIFICATION = "rectification", _("Rectification order")

    record_type = models.CharField(
        _("record type"), max_length=20, choices=RecordType.choices
    )
    record_id = models.BigIntegerField(_("record"))
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enforcement_status_changes",
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(record_type__in=["violation", "penalty", "rectification"]),
                name="enforcement_statuschange_record_type_valid",
            ),
        ]
        indexes = [
            # the history shown on a record's page
            models.Index(
                fields=["record_type", "record_id", "at"],
                name="enforcement_statuschange_rec",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.record_type}:{self.record_id} {self.from_status}→{self.to_status}"
        )

    def _label(self, status: str) -> str:
        statuses = {
            self.RecordType.VIOLATION: Violation.Status,
            self.RecordType.PENALTY: PenaltyDecision.Status,
            self.RecordType.RECTIFICATION: RectificationOrder.Status,
        }[self.record_type]
        return str(statuses(status).label) if status in statuses.values else status

    @property
    def from_label(self) -> str:
        return self._label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)
