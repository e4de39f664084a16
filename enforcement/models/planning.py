"""Inspection planning (双随机): plans, drawn targets and inspectors, recusals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import ScopedQuerySet
from enforcement.models.enterprises import Enterprise
from enforcement.models.health import Colour, RiskModel
from enforcement.models.inspections import EnterpriseRecordQuerySet, Inspection
from grid.models import District, Street


@history.track()
class Recusal(models.Model):
    """Recusal (回避): an officer who must not inspect an enterprise (a relative
    works there, a former employer…). The draw never assigns them to it."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="recusals",
        verbose_name=_("enterprise"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="recusals",
        verbose_name=_("officer"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "officer"], name="enforcement_recusal_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} ⟂ {self.enterprise}"


class InspectionPlanQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Plans are bureau work: a bureau's staff see its district's plans; an
        officer drawn as inspector sees the plans they are drawn for."""
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(district_id__in=scope.district_ids)
            | Q(
                pk__in=PlanAssignment.objects.filter(officer=user).values(
                    "target__plan"
                )
            )
        )


@history.track()
class InspectionPlan(models.Model):
    """Random inspection plan (双随机抽查计划): for a period and a scope of
    streets and sectors, targets are drawn by tier and inspectors are drawn for
    each. The seed's SHA-256 is published when the plan is made and the seed
    when it closes, so anyone can re-run the draw and get the same list."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("district"),
    )
    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    streets = models.ManyToManyField(
        Street,
        blank=True,
        related_name="inspection_plans",
        verbose_name=_("streets (empty: the whole district)"),
    )
    sectors = models.JSONField(_("sectors (empty: all)"), default=list, blank=True)
    inspectors_per_target = models.PositiveSmallIntegerField(
        _("inspectors per target"), default=2
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    model = models.ForeignKey(
        RiskModel,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("risk model"),
    )
    algorithm = models.CharField(_("draw algorithm"), max_length=40)
    seed_sha256 = models.CharField(_("SHA-256 of the seed"), max_length=64)
    # Secret until the plan closes: never shown or serialised before.
    seed = models.CharField(max_length=64, editable=False)
    inputs = models.JSONField(_("draw inputs"), editable=False)
    inputs_sha256 = models.CharField(_("SHA-256 of the draw inputs"), max_length=64)
    quotas = models.JSONField(_("quota per tier"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="closed_inspection_plans",
        null=True,
        blank=True,
        verbose_name=_("closed by"),
    )

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="enforcement_inspectionplan_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]),
                name="enforcement_inspectionplan_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(inspectors_per_target__gte=2),
                name="enforcement_inspectionplan_two_inspectors",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False),
                name="enforcement_inspectionplan_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enforcement:plan-detail", args=[self.pk])

    @property
    def revealed_seed(self) -> str:
        """The seed, once the plan is closed; empty before."""
        return self.seed if self.status == self.Status.CLOSED else ""


class PlanTarget(models.Model):
    """A drawn target of a plan (抽查对象): the enterprise, its tier at the draw,
    the inspectors drawn for it and, once visited, the inspection."""

    plan = models.ForeignKey(
        InspectionPlan,
        on_delete=models.CASCADE,
        related_name="targets",
        verbose_name=_("plan"),
    )
    position = models.PositiveIntegerField(_("position"))
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="plan_targets",
        verbose_name=_("enterprise"),
    )
    colour = models.CharField(_("tier"), max_length=10, choices=Colour.choices)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PlanAssignment",
        related_name="plan_targets",
        verbose_name=_("inspectors"),
    )
    inspection = models.OneToOneField(
        Inspection,
        on_delete=models.PROTECT,
        related_name="plan_target",
        null=True,
        blank=True,
        verbose_name=_("inspection"),
    )

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "enterprise"], name="enforcement_plantarget_unique"
            ),
            models.UniqueConstraint(
                fields=["plan", "position"],
                name="enforcement_plantarget_unique_position",
            ),
            models.CheckConstraint(
                condition=Q(colour__in=["green", "yellow", "red"]),
                name="enforcement_plantarget_colour_valid",
            ),
        ]
        indexes = [
            # previous draw for an enterprise (no officer twice in a row)
            models.Index(fields=["enterprise", "-plan"], name="enforcement_pt_ent"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.position} {self.enterprise}"


class PlanAssignment(models.Model):
    """An inspector drawn for a target (抽取的执法人员)."""

    target = models.ForeignKey(
        PlanTarget, on_delete=models.CASCADE, related_name="assignments"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="plan_assignments",
        verbose_name=_("officer"),
    )

    class Meta:
        verbose_name = _("plan assignment")
        verbose_name_plural = _("plan assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "officer"], name="enforcement_planassignment_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.officer)
