"""Reads for geography and people, and the per-user scope every queryset uses."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from core.geo import PolygonIndex
from grid.models import Agency, District, GridCell, Membership, Street


@dataclass(frozen=True)
class UserScope:
    """What one user may see, worked out once per request."""

    is_superuser: bool = False
    district_ids: frozenset[int] = frozenset()  # bureau roles: the whole district
    street_ids: frozenset[int] = frozenset()  # street officers: their streets only
    agency_ids: frozenset[int] = frozenset()  # every agency the user belongs to
    roles: frozenset[str] = frozenset()

    @property
    def is_bureau(self) -> bool:
        return self.is_superuser or bool(self.district_ids)

    @property
    def is_bureau_admin(self) -> bool:
        return self.is_superuser or "bureau_admin" in self.roles

    @property
    def is_staff_member(self) -> bool:
        """Bureau or street-office staff (not partner-only, not enterprise)."""
        return self.is_bureau or bool(self.street_ids)


ANONYMOUS_SCOPE = UserScope()
_CACHE_ATTR = "_grid_user_scope"


def user_scope(*, user) -> UserScope:
    """The user's scope; cached on the user object, so one request asks once and the
    next request (a fresh user object) already sees a changed membership."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = UserScope(is_superuser=True)
    else:
        district_ids: set[int] = set()
        street_ids: set[int] = set()
        agency_ids: set[int] = set()
        roles: set[str] = set()
        # One flat query: each membership with its streets and covered cells
        # (a small cross product: a street officer lists few of either).
        rows = (
            Membership.objects.active()
            .filter(user=user)
            .values_list(
                "agency_id",
                "role",
                "agency__district_id",
                "streets",
                "cells__street_id",
            )
        )
        for agency_id, role, district_id, street_id, cell_street_id in rows:
            agency_ids.add(agency_id)
            roles.add(role)
            if role in Membership.BUREAU_ROLES:
                district_ids.add(district_id)
            elif role == Membership.Role.STREET_OFFICER:
                street_ids.update(
                    s for s in (street_id, cell_street_id) if s is not None
                )
        scope = UserScope(
            district_ids=frozenset(district_ids),
            street_ids=frozenset(street_ids),
            agency_ids=frozenset(agency_ids),
            roles=frozenset(roles),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def district_list(*, user) -> QuerySet[District]:
    return District.objects.for_user(user)


def street_list(*, user) -> QuerySet[Street]:
    return Street.objects.for_user(user).select_related("district")


def grid_cell_list(*, user) -> QuerySet[GridCell]:
    return GridCell.objects.for_user(user).select_related("street")


def agency_list(*, user) -> QuerySet[Agency]:
    return Agency.objects.for_user(user).select_related("district", "street")


def membership_list(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.for_user(user)
        .select_related("user", "agency")
        .prefetch_related("streets", "cells")
        .order_by("agency__name", "user__username", "pk")
    )


def street_list_without_bureau_officer(*, user=None) -> QuerySet[Street]:
    """Streets whose grid has no active bureau officer covering them (DESIGN: every
    street needs at least one, to receive dispatched work)."""
    covering = (
        Membership.objects.active()
        .filter(role__in=Membership.BUREAU_ROLES)
        .filter(Q(streets=OuterRef("pk")) | Q(cells__street=OuterRef("pk")))
    )
    streets = (
        Street.objects.for_user(user) if user is not None else Street.objects.all()
    )
    return streets.filter(~Exists(covering)).select_related("district")


def street_stats(*, user) -> QuerySet[Street]:
    return street_list(user=user).annotate(cell_count=Count("cells", distinct=True))


_index_cache: dict[tuple, PolygonIndex] = {}


def grid_cell_index() -> PolygonIndex:
    """A point-in-polygon index over all grid cells, rebuilt when cells change."""
    version = tuple(
        GridCell.objects.aggregate(n=Count("id"), latest=Max("updated_at")).values()
    )
    index = _index_cache.get(version)
    if index is None:
        _index_cache.clear()
        rows = list(
            GridCell.objects.values_list(
                "id", "geometry", "street_id", "street__district_id"
            )
        )
        index = PolygonIndex((pk, geometry) for pk, geometry, _s, _d in rows)
        # Where each cell belongs, so routing a point needs no further query.
        index.cell_places = {
            pk: (street, district) for pk, _g, street, district in rows
        }
        _index_cache[version] = index
    return index


def grid_cell_locate(*, lon: float, lat: float) -> GridCell | None:
    """The grid cell containing a WGS-84 point, or None outside every cell."""
    cell_id = grid_cell_index().locate(lon, lat)
    if cell_id is None:
        return None
    return GridCell.objects.select_related("street").get(pk=cell_id)
