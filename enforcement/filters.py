"""One FilterSet for enterprise lists: API, HTML pages and selectors."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enforcement.models import Enterprise
from grid.models import GridCell, Street


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))
    street = django_filters.ModelChoiceFilter(
        queryset=lambda request: Street.objects.for_user(
            request.user if request else None
        ),
        label=_("street"),
    )
    grid_cell = django_filters.ModelChoiceFilter(
        queryset=lambda request: GridCell.objects.for_user(
            request.user if request else None
        ),
        label=_("grid cell"),
    )
    sector = django_filters.ChoiceFilter(
        choices=Enterprise.Sector.choices, label=_("sector")
    )
    status = django_filters.ChoiceFilter(
        choices=Enterprise.Status.choices, label=_("status")
    )

    class Meta:
        model = Enterprise
        fields = ["q", "street", "grid_cell", "sector", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(uscc__istartswith=value.upper())
            | Q(address__icontains=value)
        )
