"""Checklist templates per enforcement domain, versioned."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Domain(models.TextChoices):
    """Enforcement domains (执法领域) a checklist covers."""

    WATER_POLLUTION = "water_pollution", _("Water pollution")
    AIR_POLLUTION = "air_pollution", _("Air pollution")
    SOLID_WASTE = "solid_waste", _("Solid waste")
    HAZARDOUS_WASTE = "hazardous_waste", _("Hazardous waste")
    NOISE = "noise", _("Noise")
    CATERING_FUME = "catering_fume", _("Catering fume")
    CONSTRUCTION_DUST = "construction_dust", _("Construction dust")
    WATER_SUPPLY = "water_supply", _("Water supply")
    DRAINAGE = "drainage", _("Drainage")


class ChecklistTemplateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ChecklistTemplate(TimeStampedModel):
    """Checklist template (检查表模板): the questions an inspection of one domain
    asks. Versioned: a template used by an inspection is never edited; a change
    is a new version, so every inspection keeps the questions it answered."""

    domain = models.CharField(_("domain"), max_length=30, choices=Domain.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("New inspections use the active version of each domain."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["domain", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "version"],
                name="enforcement_checklisttemplate_unique_version",
            ),
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(is_active=True),
                name="enforcement_checklisttemplate_one_active_per_domain",
            ),
            models.CheckConstraint(
                condition=Q(domain__in=Domain.values),
                name="enforcement_checklisttemplate_domain_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ChecklistItem(models.Model):
    """Checklist item (检查项): one question, its answer type and legal basis."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        NUMBER = "number", _("Number with a limit")
        TEXT = "text", _("Text")
        PHOTO = "photo", _("Photo required")

    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=20)
    question = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answer type"), max_length=10, choices=Kind.choices)
    compliant_answer = models.BooleanField(
        _("compliant answer"),
        default=True,
        help_text=_("For yes/no items: the answer that means compliant."),
    )
    limit_max = models.DecimalField(
        _("upper limit"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("For number items: a value above this is not compliant."),
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    is_major = models.BooleanField(
        _("major item"),
        default=False,
        help_text=_("A non-compliant answer here is a suspected violation."),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"],
                name="enforcement_checklistitem_unique_code",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["yes_no", "number", "text", "photo"]),
                name="enforcement_checklistitem_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="number") | Q(limit_max__isnull=False),
                name="enforcement_checklistitem_number_has_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.question}"
