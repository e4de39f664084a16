"""Risk models, health codes and the runs that recompute them."""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core import history
from enforcement.models.enterprises import Enterprise
from enforcement.models.inspections import EnterpriseRecordQuerySet


class Colour(models.TextChoices):
    """Health-code colours (绿/黄/红码)."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


COLOUR_RANK = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


class RiskModelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@history.track()
class RiskModel(models.Model):
    """Risk model (风险模型): factor weights, decay and caps, colour thresholds and
    the supervision tiers. Never edited in place: every change is a new version,
    and a health code keeps the version it was computed with."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    note = models.TextField(_("what changed"), blank=True)
    yellow_from = models.DecimalField(
        _("yellow from (score)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    red_from = models.DecimalField(
        _("red from (score)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_active = models.BooleanField(_("active"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="risk_models",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("created by"),
    )

    objects = RiskModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk model")
        verbose_name_plural = _("risk models")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yellow_from__gt=0) & Q(red_from__gt=F("yellow_from")),
                name="enforcement_riskmodel_thresholds_increasing",
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="enforcement_riskmodel_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"

    def colour_for(self, score: Decimal) -> str:
        if score >= self.red_from:
            return Colour.RED
        if score >= self.yellow_from:
            return Colour.YELLOW
        return Colour.GREEN


class RiskModelFactor(models.Model):
    """A factor's parameters in one risk model version (风险因子权重): the weight
    per unit, the half-life of its records' influence, a cap on its points and
    an optional veto level that forces red."""

    model = models.ForeignKey(
        RiskModel,
        on_delete=models.CASCADE,
        related_name="factors",
        verbose_name=_("risk model"),
    )
    factor = models.CharField(_("factor"), max_length=100)
    weight = models.DecimalField(
        _("weight (points per unit)"),
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(0)],
    )
    half_life_days = models.PositiveIntegerField(
        _("half-life (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no decay (the factor describes a current state)."),
    )
    cap = models.DecimalField(
        _("cap (points)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty: no cap."),
    )
    veto_at = models.DecimalField(
        _("forces red at (raw value)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Empty: never forces red."),
    )

    class Meta:
        verbose_name = _("risk model factor")
        verbose_name_plural = _("risk model factors")
        ordering = ["model", "factor"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "factor"], name="enforcement_riskmodelfactor_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="enforcement_riskmodelfactor_weight_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0),
                name="enforcement_riskmodelfactor_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(half_life_days__isnull=True) | Q(half_life_days__gte=1),
                name="enforcement_riskmodelfactor_half_life_positive",
            ),
            models.CheckConstraint(
                condition=Q(veto_at__isnull=True) | Q(veto_at__gt=0),
                name="enforcement_riskmodelfactor_veto_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.factor


class RiskTier(models.Model):
    """Supervision tier (分级监管): for each colour, how often an enterprise is
    inspected and the share of the tier a random draw picks each time."""

    model = models.ForeignKey(
        RiskModel,
        on_delete=models.CASCADE,
        related_name="tiers",
        verbose_name=_("risk model"),
    )
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    inspections_per_year = models.DecimalField(
        _("inspection rounds per year"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    sampling_ratio = models.DecimalField(
        _("sampling ratio per round"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the tier drawn in each round, 0 to 1."),
    )

    class Meta:
        verbose_name = _("risk tier")
        verbose_name_plural = _("risk tiers")
        ordering = ["model", "colour"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "colour"], name="enforcement_risktier_unique"
            ),
            models.CheckConstraint(
                condition=Q(colour__in=["green", "yellow", "red"]),
                name="enforcement_risktier_colour_valid",
            ),
            models.CheckConstraint(
                condition=Q(inspections_per_year__gt=0),
                name="enforcement_risktier_frequency_positive",
            ),
            models.CheckConstraint(
                condition=Q(sampling_ratio__gte=0, sampling_ratio__lte=1),
                name="enforcement_risktier_ratio_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.get_colour_display()}"


class HealthCode(models.Model):
    """Enterprise health code (企业健康码, 绿盾通): the current score and colour,
    the model version, the date it was scored as of and the factor weighing
    most. Its factor breakdown (each factor's raw value, weight, decayed value,
    contribution and the records behind it, adding up to the score) is worked
    out from the records when asked for, as of ``as_of`` under ``model``
    (``enforcement.selectors.health_code_breakdowns``): a nightly run rewrites
    a few numbers per enterprise, not its explanation."""

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="health_code",
        verbose_name=_("enterprise"),
    )
    score = models.DecimalField(_("score"), max_digits=11, decimal_places=2)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    model = models.ForeignKey(
        RiskModel,
        on_delete=models.PROTECT,
        related_name="health_codes",
        verbose_name=_("risk model"),
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    colour_since = models.DateTimeField(_("colour since"))
    vetoed_by = models.JSONField(_("forced red by"), default=list, blank=True)
    top_factor = models.CharField(
        _("top factor"),
        max_length=100,
        blank=True,
        help_text=_("The factor forcing the code red, or else contributing most."),
    )

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("health code")
        verbose_name_plural = _("health codes")
        ordering = ["-score", "enterprise_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__in=["green", "yellow", "red"]),
                name="enforcement_healthcode_colour_valid",
            ),
        ]
        # No index on colour or score on purpose: every nightly run rewrites most
        # rows, and without an index on a changing column PostgreSQL updates
        # them in place (HOT, with the fill factor set in the migration). The
        # overview's counts and red list read a district's rows either way.

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.colour} {self.score}"


class HealthCodeChange(models.Model):
    """Health-code colour change (健康码变更记录): a snapshot of the code each time
    an enterprise's colour changes (and its first code unless green, except in
    the initial run that gives every enterprise its first code at once), with
    the breakdown that explained it then (the records behind each factor
    included)."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("Nightly recompute")
        EVENT = "event", _("New record")
        MANUAL = "manual", _("Manual recompute")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="health_code_changes",
        verbose_name=_("enterprise"),
    )
    from_colour = models.CharField(
        _("from"), max_length=10, choices=Colour.choices, blank=True
    )
    to_colour = models.CharField(_("to"), max_length=10, choices=Colour.choices)
    score = models.DecimalField(_("score"), max_digits=11, decimal_places=2)
    model = models.ForeignKey(
        RiskModel,
        on_delete=models.PROTECT,
        related_name="health_code_changes",
        verbose_name=_("risk model"),
    )
    as_of = models.DateField(_("as of"))
    changed_at = models.DateTimeField(_("changed at"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    breakdown = models.JSONField(_("factor breakdown"), default=list)

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("health code change")
        verbose_name_plural = _("health code changes")
        ordering = ["-changed_at", "-id"]
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_colour__in=["green", "yellow", "red"])
                & Q(from_colour__in=["", "green", "yellow", "red"]),
                name="enforcement_healthcodechange_colour_valid",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=["scheduled", "event", "manual"]),
                name="enforcement_healthcodechange_trigger_valid",
            ),
        ]
        indexes = [
            # the enterprise file's colour history
            models.Index(
                fields=["enterprise", "-changed_at"], name="enforcement_hcc_ent"
            ),
            # movers this week on the risk overview
            models.Index(fields=["-changed_at"], name="enforcement_hcc_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.from_colour or '-'} → {self.to_colour}"


class RecomputeRun(models.Model):
    """Health-code recompute run (健康码重算): progress of a full recompute, kept
    so staff see it and an interrupted run resumes where it stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    trigger = models.CharField(
        _("trigger"), max_length=10, choices=HealthCodeChange.Trigger.choices
    )
    model = models.ForeignKey(
        RiskModel,
        on_delete=models.PROTECT,
        related_name="recompute_runs",
        verbose_name=_("risk model"),
    )
    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started at"))
    updated_at = models.DateTimeField(_("last progress at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("enterprises"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    changed = models.PositiveIntegerField(_("colour changes"), default=0)
    last_enterprise_id = models.BigIntegerField(default=0)
    initial = models.BooleanField(
        _("initial run"),
        default=False,
        help_text=_(
            "The run that gave the platform its first codes: they are the "
            "starting point of each enterprise's history, not colour changes."
        ),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("recompute run")
        verbose_name_plural = _("recompute runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "finished", "failed"]),
                name="enforcement_recomputerun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=["scheduled", "event", "manual"]),
                name="enforcement_recomputerun_trigger_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
