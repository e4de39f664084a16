"""Writes for hazardous-waste supervision, by topic."""

from hazwaste.services.access import require_account  # noqa: F401
from hazwaste.services.anomalies import (  # noqa: F401
    anomaly_scan,
    warning_dismiss,
    warning_open_ticket,
    warning_send_to_inspection,
    warnings_resolve_by_inspection,
)
from hazwaste.services.catalogue import catalogue_load, waste_code_resolve  # noqa: F401
from hazwaste.services.ledger import (  # noqa: F401
    container_generate,
    container_release,
    container_store,
)
from hazwaste.services.manifests import (  # noqa: F401
    manifest_cancel,
    manifest_close,
    manifest_correct,
    manifest_create,
    manifest_dispatch,
    manifest_receive,
    manifest_report_disposal,
    manifest_submit,
    manifest_track,
    manifest_update,
)
from hazwaste.services.producers import (  # noqa: F401
    annual_amount_declare,
    declaration_due_on,
    declaration_submit,
    declarations_generate,
    facility_create,
    management_class_for,
    plan_file,
    plan_save,
    producer_classes_recompute,
    producer_register,
)
from hazwaste.services.review import (  # noqa: F401
    MAX_ENTRIES_PER_DECISION,
    ledger_entries_decide,
)
