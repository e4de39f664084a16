"""Geography and people: district -> street -> grid cell, agencies, memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import ScopedQuerySet, TimeStampedModel


class DistrictQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(id__in=scope.district_ids) | Q(streets__id__in=scope.street_ids)
        ).distinct()


class District(TimeStampedModel):
    """District (区): the jurisdiction one bureau supervises. Partner
    jurisdictions (neighbouring districts or cities) are districts too."""

    code = models.CharField(_("administrative code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StreetQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(district_id__in=scope.district_ids) | Q(id__in=scope.street_ids)
        )


class Street(TimeStampedModel):
    """Street or town (街镇): the unit a street office governs."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="streets",
        verbose_name=_("district"),
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    objects = StreetQuerySet.as_manager()

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridCellQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(street__district_id__in=scope.district_ids)
            | Q(street_id__in=scope.street_ids)
        )

    def in_bbox(self, *, west: float, south: float, east: float, north: float):
        return self.filter(
            min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south
        )


@history.track()
class GridCell(TimeStampedModel):
    """Grid cell (网格): the smallest area with named officers on duty."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="cells", verbose_name=_("street")
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    # Bounding box, kept in step by grid.services, for viewport queries.
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)

    objects = GridCellQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AgencyQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(district_id__in=scope.district_ids) | Q(id__in=scope.agency_ids)
        )


class Agency(TimeStampedModel):
    """Agency (机构): the bureau (生态环境局) and its enforcement team, a street
    office (街道办事处, 综合执法队), or a partner bureau of a neighbouring
    jurisdiction."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Bureau")
        STREET_OFFICE = "street_office", _("Street office")
        PARTNER_BUREAU = "partner_bureau", _("Partner bureau")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="agencies",
        null=True,
        blank=True,
        verbose_name=_("street"),
        help_text=_("Only for street offices."),
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["district", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["bureau", "street_office", "partner_bureau"]),
                name="grid_agency_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="street_office", street__isnull=False)
                | (~Q(kind="street_office") & Q(street__isnull=True)),
                name="grid_agency_street_only_for_street_office",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(agency__district_id__in=scope.district_ids) | Q(user_id=user.pk)
        )

    def active(self):
        return self.filter(is_active=True, user__is_active=True)


@history.track()
class Membership(TimeStampedModel):
    """Membership (岗位): a user's role in an agency, and the streets and grid
    cells they cover. A bureau officer listed on a street is that street's bureau
    contact in the grid; a street officer sees only the streets listed."""

    class Role(models.TextChoices):
        BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
        BUREAU_OFFICER = "bureau_officer", _("Bureau officer")
        STREET_OFFICER = "street_officer", _("Street officer")
        PARTNER_OFFICER = "partner_officer", _("Partner officer")

    BUREAU_ROLES = (Role.BUREAU_ADMIN, Role.BUREAU_OFFICER)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    streets = models.ManyToManyField(
        Street,
        blank=True,
        related_name="memberships",
        verbose_name=_("streets covered"),
    )
    cells = models.ManyToManyField(
        GridCell,
        blank=True,
        related_name="memberships",
        verbose_name=_("grid cells covered"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    on_duty = models.BooleanField(_("on duty"), default=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="grid_membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(
                    role__in=[
                        "bureau_admin",
                        "bureau_officer",
                        "street_officer",
                        "partner_officer",
                    ]
                ),
                name="grid_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency}"
