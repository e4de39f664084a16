"""Writes of the monitoring app (see the topic modules). Other apps import only
from here."""

from monitoring.services.alarms import (
    alarm_annotate,
    alarm_dismiss,
    alarm_dispatch,
    alarms_dispatch_due,
    rule_evaluate,
    rules_evaluate,
)
from monitoring.services.ingest import (
    IngestReport,
    SensorDirectory,
    items_from_csv,
    items_from_json,
    readings_ingest,
    readings_store,
)
from monitoring.services.review import (
    MAX_READINGS_PER_DECISION,
    readings_decide,
)
from monitoring.services.rollups import (
    daily_rollups_compute,
    hourly_rollups_compute,
    rollups_update,
    station_indices_compute,
)
from monitoring.services.stations import (
    readings_review,
    sensors_add_defaults,
    station_create,
)
from monitoring.services.surveys import SurveyUpload, survey_create

__all__ = [
    "IngestReport",
    "SensorDirectory",
    "alarm_annotate",
    "alarm_dismiss",
    "alarm_dispatch",
    "alarms_dispatch_due",
    "daily_rollups_compute",
    "hourly_rollups_compute",
    "items_from_csv",
    "items_from_json",
    "readings_follow_up",
    "readings_ingest",
    "readings_review",
    "readings_decide",
    "MAX_READINGS_PER_DECISION",
    "readings_store",
    "rollups_update",
    "rule_evaluate",
    "rules_evaluate",
    "sensors_add_defaults",
    "station_create",
    "station_indices_compute",
    "SurveyUpload",
    "survey_create",
]


def readings_follow_up(*, touched) -> None:
    """After readings arrive: rollups and indices, then the rules."""
    report_touched = dict(touched)
    rollups_update(touched=report_touched)
    from monitoring.models import Sensor

    station_ids = set(
        Sensor.objects.filter(pk__in=list(report_touched)).values_list(
            "station_id", flat=True
        )
    )
    rules_evaluate(station_ids=station_ids)
