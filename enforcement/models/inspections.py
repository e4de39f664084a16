"""On-site inspections: who, when, where, the checklist answers and photos."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.models.checklists import ChecklistItem, ChecklistTemplate
from enforcement.models.enterprises import Enterprise, enterprise_scope_q


class EnterpriseRecordQuerySet(ScopedQuerySet):
    """Records that belong to one enterprise are visible with that enterprise."""

    def for_user(self, user):
        condition = enterprise_scope_q(user, prefix="enterprise__")
        return self.all() if condition is None else self.filter(condition)


@history.track()
class Inspection(TimeStampedModel):
    """On-site inspection (现场检查): a visit by at least two officers, the
    checklist they answered, what they found and the enterprise's signature."""

    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        ISSUES_FOUND = "issues_found", _("Issues found")
        VIOLATION = "violation", _("Violation")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("enterprise"),
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("checklist"),
    )
    inspected_on = models.DateField(_("inspection date"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="InspectionOfficer",
        related_name="inspections",
        verbose_name=_("officers"),
    )
    findings = models.TextField(_("findings"), blank=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    lon = models.FloatField(_("visit longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("visit latitude (WGS-84)"), null=True, blank=True)
    representative_name = models.CharField(
        _("enterprise representative"), max_length=100, blank=True
    )
    representative_signed_at = models.DateTimeField(
        _("signed at"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recorded_inspections",
        verbose_name=_("recorded by"),
    )
    # A phone retrying a submission sends the same key; the second one returns
    # the first inspection instead of recording the visit twice.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=80, blank=True, editable=False
    )
    request_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["compliant", "issues_found", "violation"]),
                name="enforcement_inspection_result_valid",
            ),
            models.CheckConstraint(
                condition=(Q(lon__isnull=True) & Q(lat__isnull=True))
                | Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="enforcement_inspection_location_valid",
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="enforcement_inspection_unique_idempotency_key",
            ),
        ]
        indexes = [
            # the enterprise file: an enterprise's inspections, newest first
            models.Index(
                fields=["enterprise", "-inspected_on"],
                name="enforcement_insp_ent_date",
            ),
            # health-code factors: inspections with a finding, by date
            models.Index(
                fields=["result", "inspected_on", "enterprise"],
                name="enforcement_insp_result_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.inspected_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:inspection-detail", args=[self.pk])


class InspectionOfficer(models.Model):
    """An officer on an inspection (检查人员)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="officer_links"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_links",
        verbose_name=_("officer"),
    )

    class Meta:
        verbose_name = _("inspection officer")
        verbose_name_plural = _("inspection officers")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "officer"],
                name="enforcement_inspectionofficer_unique",
            )
        ]

    def __str__(self) -> str:
        return str(self.officer)


class InspectionAnswer(models.Model):
    """Checklist answer (检查记录): one typed answer to one checklist item."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("inspection"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("item"),
    )
    value_bool = models.BooleanField(_("yes/no answer"), null=True, blank=True)
    value_number = models.DecimalField(
        _("number answer"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    value_text = models.TextField(_("text answer"), blank=True)
    is_compliant = models.BooleanField(_("compliant"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["inspection", "item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"],
                name="enforcement_inspectionanswer_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item.code}"

    @property
    def display_value(self) -> str:
        if self.value_bool is not None:
            return str(_("Yes") if self.value_bool else _("No"))
        if self.value_number is not None:
            return f"{self.value_number.normalize():f} {self.item.unit}".strip()
        return self.value_text


def photo_path(instance: InspectionPhoto, filename: str) -> str:
    # Content-addressed: the name is the hash, so a stored file is never replaced.
    return f"inspections/{instance.sha256[:2]}/{instance.sha256}"


class InspectionPhotoQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Photos of inspections the user may see, and the user's own uploads
        not yet attached to an inspection."""
        condition = enterprise_scope_q(user, prefix="inspection__enterprise__")
        if condition is None:
            return self.all()
        if user is not None and user.is_authenticated:
            condition |= Q(inspection__isnull=True, uploaded_by_id=user.pk)
        return self.filter(condition)


class InspectionPhoto(models.Model):
    """Inspection photo (现场照片): the file and its SHA-256, taken at upload, so
    the evidence can be shown unchanged later. Uploaded before the inspection is
    submitted (a phone sends photos one by one), then attached to it."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="photos",
        null=True,
        blank=True,
        verbose_name=_("inspection"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="photos",
        null=True,
        blank=True,
        verbose_name=_("item"),
    )
    file = models.FileField(_("file"), upload_to=photo_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_photos",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = InspectionPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["uploaded_at", "id"]
        constraints = [
            # one upload per file and user: a retried upload returns the first
            models.UniqueConstraint(
                fields=["uploaded_by", "sha256"],
                name="enforcement_inspectionphoto_unique_per_uploader",
            )
        ]

    def __str__(self) -> str:
        return self.sha256[:12]
