"""One FilterSet for ticket lists: API, HTML pages and selectors."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell, Street, Ticket, TicketCategory


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices, label=_("status")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=TicketCategory.objects.all(),
        to_field_name="code",
        label=_("category"),
    )
    source = django_filters.ChoiceFilter(
        choices=Ticket.Source.choices, label=_("source")
    )
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
    queue = django_filters.ChoiceFilter(choices=Ticket.Queue.choices, label=_("queue"))
    is_open = django_filters.BooleanFilter(method="open_only", label=_("open"))
    overdue = django_filters.BooleanFilter(method="overdue_only", label=_("overdue"))
    reported_after = django_filters.DateFilter(
        field_name="reported_at", lookup_expr="date__gte", label=_("reported from")
    )
    reported_before = django_filters.DateFilter(
        field_name="reported_at", lookup_expr="date__lte", label=_("reported until")
    )

    class Meta:
        model = Ticket
        fields = [
            "q",
            "status",
            "category",
            "source",
            "street",
            "grid_cell",
            "queue",
            "is_open",
            "overdue",
            "reported_after",
            "reported_before",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(description__icontains=value)
            | Q(address__icontains=value)
        )

    def open_only(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=Ticket.OPEN_STATUSES)
        return queryset.exclude(status__in=Ticket.OPEN_STATUSES)

    def overdue_only(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(
                status__in=Ticket.OPEN_STATUSES, overdue_since__isnull=False
            )
        return queryset.filter(overdue_since__isnull=True)


def age_colour(reported_at, now=None) -> str:
    """Map colour of an open ticket by age: fresh, a day, three days, a week."""
    hours = ((now or timezone.now()) - reported_at).total_seconds() / 3600
    if hours < 24:
        return "#20bf6b"
    if hours < 72:
        return "#f7b731"
    if hours < 168:
        return "#fa8231"
    return "#eb3b5a"
