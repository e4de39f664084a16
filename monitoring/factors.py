"""The health-code factor monitoring provides (see ``enforcement.registry.Factor``):
alarms at an enterprise's own monitors that rest on validated data — early
warnings on raw data never count toward enforcement."""

from __future__ import annotations

from datetime import date

from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from enforcement.services import Factor
from monitoring.indices import LOCAL_TZ
from monitoring.models import Alarm


def validated_alarms(*, as_of: date) -> QuerySet:
    """Validated alarms at enterprise monitors, dated by their local start day."""
    return (
        Alarm.objects.filter(validated=True, station__enterprise__isnull=False)
        .annotate(
            factor_enterprise=F("station__enterprise_id"),
            factor_on=TruncDate("started_at", tzinfo=LOCAL_TZ),
            factor_value=Value(1.0, output_field=FloatField()),
        )
        .filter(factor_on__lte=as_of)
    )


FACTOR = Factor(
    name="monitoring.validated_alarms",
    label=_("Monitoring exceedance alarms (validated data)"),
    unit=_("alarms"),
    provider=validated_alarms,
    remedy=_("Keep emissions within the limits; alarms weigh less as they age."),
    order=50,
)
