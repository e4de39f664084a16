"""What the city gets: one definition per dataset - its rows' scope, the columns
(key, label, where the value comes from), the time that says a row changed, the
location for GeoJSON, and where its deletions are recorded.

The column keys are the exchange contract (docs/data-exchange.md); the labels are
for people and follow the reader's language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from credit import selectors as credit_selectors
from credit.models import CreditCode
from enforcement import selectors as enforcement_selectors
from enforcement.models import Enterprise, HealthCode, Inspection, PenaltyDecision
from exchange.models import CityListChange, CityListEntry
from grid import selectors as grid_selectors
from grid.models import Ticket
from monitoring.models import DailyRollup


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation
    source: str  # ORM path read with values_list()
    kind: str = "text"  # text | int | float | decimal | date | datetime | bool | list
    # a value from another table: called once per chunk of rows with the
    # chunk's ``source`` values, returns {source value: column value}
    per_chunk: Callable[[list], dict] | None = None
    default: object = None  # per_chunk columns: the value of a row not in it


@dataclass(frozen=True)
class Tombstones:
    """Where deletions of a dataset's rows are recorded: the model's history
    events (core.history.track, PostgreSQL triggers), their natural-key column,
    and the path from an event to its district."""

    event_model: str  # "app_label.ModelName"
    key_source: str
    district_path: str
    user_scope: Callable  # (queryset, user) -> queryset


@dataclass(frozen=True)
class Dataset:
    name: str
    label: object
    model: type
    user_rows: Callable[..., QuerySet]  # (*, user) -> the owning app's selector
    district_path: str  # lookup to the row's district id, for city clients
    key: str  # the natural key column the city matches on
    columns: tuple[Column, ...]
    changed: str | None  # the column (source) whose time says a row changed
    day: str | None = None  # day-windowed datasets (rollups): the day column
    geometry: tuple[str, str] | None = None  # (lon source, lat source)
    tombstones: Tombstones | None = None
    # rows changed in a window by something other than ``changed`` (their tags):
    # (since, until) -> a condition on the rows, ORed into incremental windows
    changed_elsewhere: Callable[[datetime, datetime], Q] | None = None

    @property
    def formats(self) -> tuple[str, ...]:
        return ("json", "csv", "geojson") if self.geometry else ("json", "csv")


def _by_enterprise(queryset, user):
    return queryset.filter(
        enterprise_id__in=Enterprise.objects.for_user(user).values("pk")
    )


def _daily_rows(*, user) -> QuerySet:
    return DailyRollup.objects.for_user(user)


def _city_list_codes(enterprise_ids: list[int]) -> dict[int, list[str]]:
    """The codes of the city lists each enterprise is on, in code order."""
    codes: dict[int, list[str]] = defaultdict(list)
    rows = (
        CityListEntry.objects.filter(enterprise_id__in=enterprise_ids)
        .order_by("enterprise_id", "city_list__code")
        .values_list("enterprise_id", "city_list__code")
    )
    for enterprise_id, code in rows:
        codes[enterprise_id].append(code)
    return codes


def _tags_changed(since: datetime, until: datetime) -> Q:
    """Enterprises put on or taken off a city list in (since, until]."""
    return Q(
        pk__in=CityListChange.objects.filter(
            changed_at__gt=since, changed_at__lte=until
        ).values("enterprise_id")
    )


ENTERPRISES = Dataset(
    name="enterprises",
    label=_("Enterprises"),
    model=Enterprise,
    user_rows=enforcement_selectors.enterprise_list,
    district_path="street__district_id",
    key="uscc",
    columns=(
        Column("id", _("id"), "id", "int"),
        Column("uscc", _("unified social credit code"), "uscc"),
        Column("name", _("name"), "name"),
        Column("sector", _("sector"), "sector"),
        Column("status", _("status"), "status"),
        Column("address", _("address"), "address"),
        Column("lon", _("longitude (WGS-84)"), "lon", "float"),
        Column("lat", _("latitude (WGS-84)"), "lat", "float"),
        Column("district_code", _("district code"), "street__district__code"),
        Column("street_code", _("street code"), "street__code"),
        Column("street_name", _("street"), "street__name"),
        Column("grid_cell_code", _("grid cell code"), "grid_cell__code"),
        Column("permit_number", _("discharge permit number"), "permit_number"),
        Column(
            "permit_valid_until",
            _("permit valid until"),
            "permit_valid_until",
            "date",
        ),
        Column(
            "city_lists",
            _("city lists"),
            "id",
            "list",
            per_chunk=_city_list_codes,
            default=(),
        ),
        Column("created_at", _("created at"), "created_at", "datetime"),
        Column("updated_at", _("updated at"), "updated_at", "datetime"),
    ),
    changed="updated_at",
    changed_elsewhere=_tags_changed,
    geometry=("lon", "lat"),
    tombstones=Tombstones(
        event_model="enforcement.EnterpriseEvent",
        key_source="uscc",
        district_path="street__district_id",
        user_scope=lambda events, user: events.filter(
            street_id__in=grid_selectors.street_list(user=user).values("pk")
        ),
    ),
)

HEALTH_CODES = Dataset(
    name="health-codes",
    label=_("Health codes"),
    model=HealthCode,
    user_rows=enforcement_selectors.health_code_list,
    district_path="enterprise__street__district_id",
    key="uscc",
    columns=(
        Column("enterprise_id", _("enterprise id"), "enterprise_id", "int"),
        Column("uscc", _("unified social credit code"), "enterprise__uscc"),
        Column("colour", _("colour"), "colour"),
        Column("score", _("score"), "score", "decimal"),
        Column("risk_model_version", _("risk model version"), "model__version", "int"),
        Column("as_of", _("as of"), "as_of", "date"),
        Column("colour_since", _("colour since"), "colour_since", "datetime"),
        Column("computed_at", _("computed at"), "computed_at", "datetime"),
    ),
    changed="computed_at",
)

CREDIT_CODES = Dataset(
    name="credit-codes",
    label=_("Credit codes"),
    model=CreditCode,
    user_rows=credit_selectors.code_list,
    district_path="enterprise__street__district_id",
    key="id",
    columns=(
        Column("id", _("id"), "id", "int"),
        Column("enterprise_id", _("enterprise id"), "enterprise_id", "int"),
        Column("uscc", _("unified social credit code"), "enterprise__uscc"),
        Column("colour", _("colour"), "colour"),
        Column("source", _("source"), "source"),
        Column("valid_from", _("valid from"), "valid_from", "datetime"),
        Column("valid_until", _("valid until"), "valid_until", "date"),
        Column("is_current", _("current"), "is_current", "bool"),
        Column("superseded_at", _("superseded at"), "superseded_at", "datetime"),
        Column("updated_at", _("updated at"), "updated_at", "datetime"),
    ),
    changed="updated_at",
)

INSPECTIONS = Dataset(
    name="inspections",
    label=_("Inspections"),
    model=Inspection,
    user_rows=enforcement_selectors.inspection_list,
    district_path="enterprise__street__district_id",
    key="id",
    columns=(
        Column("id", _("id"), "id", "int"),
        Column("enterprise_id", _("enterprise id"), "enterprise_id", "int"),
        Column("uscc", _("unified social credit code"), "enterprise__uscc"),
        Column("inspected_on", _("inspection date"), "inspected_on", "date"),
        Column("domain", _("domain"), "template__domain"),
        Column("result", _("result"), "result"),
        Column("findings", _("findings"), "findings"),
        Column("lon", _("visit longitude (WGS-84)"), "lon", "float"),
        Column("lat", _("visit latitude (WGS-84)"), "lat", "float"),
        Column("updated_at", _("updated at"), "updated_at", "datetime"),
    ),
    changed="updated_at",
    geometry=("lon", "lat"),
    tombstones=Tombstones(
        event_model="enforcement.InspectionEvent",
        key_source="pgh_obj_id",
        district_path="enterprise__street__district_id",
        user_scope=_by_enterprise,
    ),
)

PENALTIES = Dataset(
    name="penalties",
    label=_("Penalty decisions"),
    model=PenaltyDecision,
    user_rows=enforcement_selectors.penalty_list,
    district_path="enterprise__street__district_id",
    key="decision_number",
    columns=(
        Column("id", _("id"), "id", "int"),
        Column("decision_number", _("decision number"), "decision_number"),
        Column("enterprise_id", _("enterprise id"), "enterprise_id", "int"),
        Column("uscc", _("unified social credit code"), "enterprise__uscc"),
        Column("decided_on", _("decision date"), "decided_on", "date"),
        Column("amount_yuan", _("fine (yuan)"), "amount_yuan", "decimal"),
        Column("measures", _("measures"), "measures", "list"),
        Column("status", _("status"), "status"),
        Column("law_article", _("law article"), "violation__law_article"),
        Column("severity", _("severity"), "violation__severity"),
        Column("updated_at", _("updated at"), "updated_at", "datetime"),
    ),
    changed="updated_at",
    tombstones=Tombstones(
        event_model="enforcement.PenaltyDecisionEvent",
        key_source="decision_number",
        district_path="enterprise__street__district_id",
        user_scope=_by_enterprise,
    ),
)

TICKETS = Dataset(
    name="tickets",
    label=_("Tickets"),
    model=Ticket,
    user_rows=grid_selectors.ticket_list,
    district_path="district_id",
    key="reference",
    columns=(
        Column("id", _("id"), "id", "int"),
        Column("reference", _("reference number"), "reference"),
        Column("category", _("category"), "category__code"),
        Column("source", _("source"), "source"),
        Column("status", _("status"), "status"),
        Column("lon", _("longitude (WGS-84)"), "lon", "float"),
        Column("lat", _("latitude (WGS-84)"), "lat", "float"),
        Column("district_code", _("district code"), "district__code"),
        Column("street_code", _("street code"), "street__code"),
        Column("grid_cell_code", _("grid cell code"), "grid_cell__code"),
        Column("uscc", _("unified social credit code"), "enterprise__uscc"),
        Column("reported_at", _("reported at"), "reported_at", "datetime"),
        Column("stage_deadline", _("stage deadline"), "stage_deadline", "datetime"),
        Column("overdue_since", _("overdue since"), "overdue_since", "datetime"),
        Column("escalation_level", _("escalation level"), "escalation_level", "int"),
        Column("closed_at", _("closed at"), "closed_at", "datetime"),
        Column("updated_at", _("updated at"), "updated_at", "datetime"),
    ),
    changed="updated_at",
    geometry=("lon", "lat"),
)

MONITORING_DAILY = Dataset(
    name="monitoring-daily",
    label=_("Monitoring daily means"),
    model=DailyRollup,
    user_rows=_daily_rows,
    district_path="sensor__station__district_id",
    key="station_code,parameter,day",
    columns=(
        Column("station_code", _("station code"), "sensor__station__code"),
        Column("station_name", _("station"), "sensor__station__name"),
        Column("station_kind", _("station kind"), "sensor__station__kind"),
        Column("lon", _("longitude (WGS-84)"), "sensor__station__lon", "float"),
        Column("lat", _("latitude (WGS-84)"), "sensor__station__lat", "float"),
        Column("parameter", _("parameter"), "sensor__parameter"),
        Column("unit", _("unit"), "sensor__unit"),
        Column("day", _("day (Asia/Shanghai)"), "day", "date"),
        Column("value_mean", _("mean"), "value_mean", "float"),
        Column("value_min", _("minimum hourly mean"), "value_min", "float"),
        Column("value_max", _("maximum hourly mean"), "value_max", "float"),
        Column("value_max_8h", _("maximum 8-hour mean"), "value_max_8h", "float"),
        Column("hours", _("valid hours"), "hours", "int"),
        Column("expected_hours", _("expected hours"), "expected_hours", "int"),
        Column("validated", _("all data validated"), "validated", "bool"),
    ),
    changed=None,
    day="day",
    geometry=("sensor__station__lon", "sensor__station__lat"),
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        ENTERPRISES,
        HEALTH_CODES,
        CREDIT_CODES,
        INSPECTIONS,
        PENALTIES,
        TICKETS,
        MONITORING_DAILY,
    )
}
