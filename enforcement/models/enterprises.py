"""The enterprise registry (一企一档)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.validators import validate_uscc
from grid.models import GridCell, Street


def enterprise_scope_q(user, prefix: str = "") -> Q | None:
    """The enterprises a user may see, as a condition on ``<prefix>``-related
    enterprise fields; None means no restriction (superuser). Every model that
    belongs to an enterprise scopes through this, so the rule lives in one place."""
    from grid.selectors import user_scope

    scope = user_scope(user=user)
    if scope.is_superuser:
        return None
    condition = Q(pk__in=[])
    if scope.district_ids:
        condition |= Q(**{f"{prefix}street__district_id__in": scope.district_ids})
    if scope.street_ids:
        condition |= Q(**{f"{prefix}street_id__in": scope.street_ids})
    if user is not None and user.is_authenticated:
        condition |= Q(
            **{
                f"{prefix}pk__in": EnterpriseAccount.objects.filter(
                    user_id=user.pk
                ).values("enterprise_id")
            }
        )
    return condition


class EnterpriseQuerySet(ScopedQuerySet):
    def for_user(self, user):
        condition = enterprise_scope_q(user)
        return self.all() if condition is None else self.filter(condition)


@history.track()
class Enterprise(TimeStampedModel):
    """Enterprise (企业, one file per enterprise 一企一档): a supervised unit
    identified by its unified social credit code (统一社会信用代码)."""

    class Sector(models.TextChoices):
        CATERING = "catering", _("Catering")
        CONSTRUCTION_SITE = "construction_site", _("Construction site")
        AUTO_REPAIR = "auto_repair", _("Auto repair")
        INDUSTRIAL = "industrial", _("Industrial")
        MEDICAL = "medical", _("Medical")
        LABORATORY = "laboratory", _("Laboratory")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
    )
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPERATING
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("street"),
    )
    grid_cell = models.ForeignKey(
        GridCell,
        on_delete=models.PROTECT,
        related_name="enterprises",
        null=True,
        blank=True,
        verbose_name=_("grid cell"),
    )
    location_override = models.BooleanField(
        _("street/cell set by hand"),
        default=False,
        help_text=_(
            "Street and grid cell were set by hand instead of from the location."
        ),
    )
    location_override_note = models.CharField(
        _("reason for the manual setting"), max_length=300, blank=True
    )
    contact_name = models.CharField(_("person in charge"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    property_manager = models.CharField(
        _("property manager"), max_length=200, blank=True
    )
    permit_number = models.CharField(
        _("discharge permit number"), max_length=60, blank=True
    )
    permit_valid_until = models.DateField(
        _("permit valid until"), null=True, blank=True
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    sector__in=[
                        "catering",
                        "construction_site",
                        "auto_repair",
                        "industrial",
                        "medical",
                        "laboratory",
                        "other",
                    ]
                ),
                name="enforcement_enterprise_sector_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["operating", "suspended", "closed"]),
                name="enforcement_enterprise_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="enforcement_enterprise_location_valid",
            ),
        ]
        indexes = [
            # enterprise list filtered by street, ordered by name (API and HTML list)
            models.Index(
                fields=["street", "name", "id"], name="enforcement_ent_street_name"
            ),
            # map viewport (enforcement.selectors.enterprise_map): range on
            # latitude, then longitude; street and id make it covering, so the
            # scope check and the over-the-limit probe never visit the table, nor
            # does the cluster aggregate when the planner picks the index
            models.Index(
                fields=["lat", "lon", "street", "id"],
                name="enforcement_ent_lat_lon_cover",
            ),
            # dashboard counts and list filters by sector
            models.Index(
                fields=["sector", "status"], name="enforcement_ent_sector_status"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enforcement:enterprise-detail", args=[self.pk])


class EnterpriseAccountQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(enterprise__in=Enterprise.objects.for_user(user))


@history.track()
class EnterpriseAccount(TimeStampedModel):
    """Enterprise account (企业账号): links a login to the enterprise it speaks for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enterprise_accounts",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="accounts",
        verbose_name=_("enterprise"),
    )

    objects = EnterpriseAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                name="enforcement_enterpriseaccount_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"
