"""Writes of the enforcement app (its public API for other apps), one module per
topic. Registries live in ``enforcement.registry`` and are re-exported here."""

from enforcement.registry import (
    DashboardPanel,
    Factor,
    TimelineEvent,
    factors,
    register_dashboard_panel,
    register_factor,
    register_timeline_source,
)
from enforcement.services.cases import (
    penalty_decide,
    penalty_execute,
    penalty_revoke,
    rectification_order_issue,
    rectification_recheck,
    violation_dismiss,
    violation_record,
)
from enforcement.services.enterprises import (
    ImportReport,
    enterprise_create,
    enterprise_set_location,
    enterprise_update,
    enterprises_import,
)
from enforcement.services.health import (
    health_code_recompute,
    health_code_request_recompute,
    health_codes_recompute_all,
)
from enforcement.services.inspections import inspection_photo_upload, inspection_record
from enforcement.services.planning import (
    plan_close,
    plan_create,
    plan_verify,
    recusal_create,
)
from enforcement.services.risk_models import risk_model_activate, risk_model_create

__all__ = [
    "DashboardPanel",
    "Factor",
    "ImportReport",
    "TimelineEvent",
    "enterprise_create",
    "factors",
    "enterprise_set_location",
    "enterprise_update",
    "enterprises_import",
    "health_code_recompute",
    "health_code_request_recompute",
    "health_codes_recompute_all",
    "inspection_photo_upload",
    "inspection_record",
    "penalty_decide",
    "penalty_execute",
    "penalty_revoke",
    "plan_close",
    "plan_create",
    "plan_verify",
    "rectification_order_issue",
    "rectification_recheck",
    "recusal_create",
    "register_dashboard_panel",
    "register_factor",
    "register_timeline_source",
    "risk_model_activate",
    "risk_model_create",
    "violation_dismiss",
    "violation_record",
]
