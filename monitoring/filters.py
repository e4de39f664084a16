"""FilterSets shared by the API lists and the HTML pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from grid.models import Street
from monitoring.models import Alarm, Station


class StationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Station.Kind.choices, label=_("kind"))
    status = django_filters.ChoiceFilter(
        choices=Station.Status.choices, label=_("status")
    )
    street = django_filters.ModelChoiceFilter(
        queryset=lambda request: Street.objects.for_user(
            request.user if request else None
        ),
        label=_("street"),
    )
    enterprise = django_filters.NumberFilter(label=_("enterprise"))

    class Meta:
        model = Station
        fields = ["kind", "status", "street", "enterprise"]


class TimeRangeFilter(django_filters.FilterSet):
    """Series filters: one sensor or station, a time range."""

    sensor = django_filters.NumberFilter(field_name="sensor_id", label=_("sensor"))
    station = django_filters.NumberFilter(
        field_name="sensor__station_id", label=_("station")
    )


class AlarmFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Alarm.Status.choices, label=_("status")
    )
    dispatch_status = django_filters.ChoiceFilter(
        choices=Alarm.Dispatch.choices, label=_("dispatch")
    )
    station = django_filters.NumberFilter(label=_("station"))
    kind = django_filters.ChoiceFilter(
        field_name="station__kind", choices=Station.Kind.choices, label=_("kind")
    )
    started_after = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label=_("started after")
    )

    class Meta:
        model = Alarm
        fields = ["status", "dispatch_status", "station", "kind", "started_after"]
