"""City–district data exchange: the city platform's API clients, the city's
shared lists and the enterprises tagged by them, and the export files."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.models import Enterprise
from grid.models import BureauRecordQuerySet, District


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ExchangeClient(TimeStampedModel):
    """Exchange client (数据交换客户端): a system outside the platform - the city
    platform (市级平台) - that reads the exports of the districts it is granted
    with its own key. Only the key's SHA-256 is kept; the scope is read-only."""

    class Scope(models.TextChoices):
        CITY = "city", _("City platform (read-only)")

    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("scope"), max_length=10, choices=Scope.choices, default=Scope.CITY
    )
    districts = models.ManyToManyField(
        District,
        related_name="exchange_clients",
        verbose_name=_("districts it may read"),
    )
    key_prefix = models.CharField(
        _("key prefix"),
        max_length=8,
        editable=False,
        help_text=_("The first characters of the key, to tell keys apart."),
    )
    key_hash = models.CharField(
        _("key (SHA-256)"), max_length=64, unique=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange client")
        verbose_name_plural = _("exchange clients")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["city"]), name="exchange_exchangeclient_scope"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CityList(TimeStampedModel):
    """City shared list (市级共享名单): a list the city keeps and shares with the
    districts, e.g. key-supervision enterprises (重点监管企业) or the positive
    list (正面清单, enterprises spared routine on-site checks)."""

    class Kind(models.TextChoices):
        KEY_SUPERVISION = "key_supervision", _("Key-supervision enterprises")
        POSITIVE_LIST = "positive_list", _("Positive list")
        OTHER = "other", _("Other list")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("city list")
        verbose_name_plural = _("city lists")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["key_supervision", "positive_list", "other"]),
                name="exchange_citylist_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CityListImportQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(district__in=District.objects.for_user(user).values("pk"))


class CityListImport(models.Model):
    """City list import (名单导入): one file of a city list applied to one
    district - who, when, which file, and what changed. Unknown codes (usually
    enterprises of other districts) are kept for the report."""

    city_list = models.ForeignKey(
        CityList,
        on_delete=models.PROTECT,
        related_name="imports",
        verbose_name=_("city list"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="city_list_imports",
        verbose_name=_("district"),
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="city_list_imports",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    rows = models.PositiveIntegerField(_("codes in the file"))
    tagged = models.PositiveIntegerField(_("enterprises on the list"))
    added = models.PositiveIntegerField(_("added"))
    removed = models.PositiveIntegerField(_("removed"))
    unknown_count = models.PositiveIntegerField(_("unknown codes"))
    unknown_usccs = models.JSONField(
        _("unknown codes (first 10,000)"), default=list, blank=True
    )

    objects = CityListImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("city list import")
        verbose_name_plural = _("city list imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.city_list} · {self.district} · {self.created_at:%Y-%m-%d}"


class CityListEntryQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(
            enterprise__in=Enterprise.objects.for_user(user).values("pk")
        )


class CityListEntry(models.Model):
    """City list entry (名单企业): an enterprise tagged by a city list, since the
    import that put it there."""

    city_list = models.ForeignKey(
        CityList,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("city list"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="city_list_entries",
        verbose_name=_("enterprise"),
    )
    listed_by = models.ForeignKey(
        CityListImport,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("listed by import"),
    )
    listed_at = models.DateTimeField(_("listed at"))

    objects = CityListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("city list entry")
        verbose_name_plural = _("city list entries")
        ordering = ["city_list", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["city_list", "enterprise"],
                name="exchange_citylistentry_once_per_list",
            )
        ]
        indexes = [
            # the enterprise file's tags and timeline
            models.Index(fields=["enterprise"], name="exchange_entry_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.city_list} · {self.enterprise}"


class CityListChangeQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(
            enterprise__in=Enterprise.objects.for_user(user).values("pk")
        )


class CityListChange(models.Model):
    """City list change (名单变动): an enterprise put on or taken off a city
    list by an import. Entries are deleted when an enterprise leaves a list;
    this keeps the removal on the record and tells the enterprise export that
    the enterprise's tags changed (its ``updated_at`` belongs to the registry)."""

    class Action(models.TextChoices):
        ADDED = "added", _("Put on the list")
        REMOVED = "removed", _("Taken off the list")

    city_list_import = models.ForeignKey(
        CityListImport,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("import"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="city_list_changes",
        verbose_name=_("enterprise"),
    )
    action = models.CharField(_("change"), max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField(_("changed at"))

    objects = CityListChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("city list change")
        verbose_name_plural = _("city list changes")
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["added", "removed"]),
                name="exchange_citylistchange_action_valid",
            )
        ]
        indexes = [
            # the enterprise export's incremental window: tags changed since
            models.Index(fields=["changed_at"], name="exchange_change_changed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.city_list_import_id} · {self.enterprise_id} {self.action}"


class ExportFileQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(district__in=District.objects.for_user(user).values("pk"))


class ExportFile(models.Model):
    """Scheduled export file (定时导出文件): one dataset of one district written
    under the var directory by the nightly export, kept for the retention
    period (``EXCHANGE_EXPORT_RETENTION_DAYS``)."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="exchange_exports",
        verbose_name=_("district"),
    )
    dataset = models.CharField(_("dataset"), max_length=40)
    file_format = models.CharField(_("format"), max_length=10)
    path = models.CharField(_("file"), max_length=400, unique=True)
    rows = models.PositiveIntegerField(_("rows"))
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    updated_since = models.DateTimeField(_("changed since"), null=True, blank=True)
    updated_until = models.DateTimeField(_("changed until (watermark)"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = ExportFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("export file")
        verbose_name_plural = _("export files")
        ordering = ["-created_at", "-id"]
        indexes = [
            # retention sweep and the latest file per dataset
            models.Index(fields=["created_at"], name="exchange_exportfile_created"),
        ]

    def __str__(self) -> str:
        return self.path


class ExportJob(models.Model):
    """Export job (导出任务): an export a bureau user started from the exchange
    page - one dataset of one district in one format, whole or for a window -
    written in the background to an ``ExportFile``. Its file is not part of the
    scheduled chain: the nightly export's windows continue from its own files."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="exchange_export_jobs",
        verbose_name=_("district"),
    )
    dataset = models.CharField(_("dataset"), max_length=40)
    file_format = models.CharField(_("format"), max_length=10)
    updated_since = models.DateTimeField(_("changed since"), null=True, blank=True)
    updated_until = models.DateTimeField(_("changed until"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="exchange_export_jobs",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    export_file = models.OneToOneField(
        ExportFile,
        on_delete=models.SET_NULL,  # the retention sweep removes old files
        null=True,
        blank=True,
        related_name="job",
        verbose_name=_("file"),
    )

    objects = BureauRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="exchange_exportjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(updated_since__isnull=True)
                | Q(updated_until__isnull=True)
                | Q(updated_until__gte=F("updated_since")),
                name="exchange_exportjob_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.file_format} · {self.status}"
