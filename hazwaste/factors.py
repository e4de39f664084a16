"""The health-code factor hazardous waste provides (see
``enforcement.registry.Factor``): warnings the bureau has not settled — open,
or turned into a ticket or an inspection — about an enterprise as producer or
receiver, a serious one double, a notice half. Dismissed and resolved warnings
no longer count."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from enforcement.services import Factor
from hazwaste.models import AnomalyRule, AnomalyWarning


def unsettled_warnings(*, as_of: date) -> QuerySet:
    return (
        AnomalyWarning.objects.filter(
            status__in=[
                AnomalyWarning.Status.OPEN,
                AnomalyWarning.Status.TICKET,
                AnomalyWarning.Status.INSPECTION,
            ]
        )
        .annotate(
            factor_enterprise=Coalesce(
                F("producer__enterprise_id"), F("receiver__enterprise_id")
            ),
            factor_on=TruncDate("first_seen_at"),
            # a serious warning weighs double, a notice half
            factor_value=Case(
                When(severity=AnomalyRule.Severity.SERIOUS, then=Value(2.0)),
                When(severity=AnomalyRule.Severity.INFO, then=Value(0.5)),
                default=Value(1.0),
                output_field=FloatField(),
            ),
        )
        .filter(factor_enterprise__isnull=False, factor_on__lte=as_of)
    )


FACTOR = Factor(
    name="hazwaste.unsettled_warnings",
    label=_("Hazardous-waste warnings not settled"),
    unit=_("warnings"),
    provider=unsettled_warnings,
    remedy=_(
        "Put the ledger, the containers and the manifests right; staff close the "
        "warning when the next scan no longer finds it."
    ),
    order=60,
)
