"""Writes of the credit app. Other apps import only this package's names."""

from credit.services.codes import code_replace, sticker_reissue
from credit.services.cycles import (
    cycle_close_self_assessment,
    cycle_open,
    cycle_publish,
    cycle_start_notice,
    evaluation_adjust,
    evaluation_self_assess,
    objection_file,
    objection_resolve,
)
from credit.services.due_process import (
    appeal_decide,
    appeal_file,
    repair_request,
    repair_schedule_inspection,
    repair_verify,
    reply_moderate,
    reply_submit,
)
from credit.services.night_work import night_work_apply, night_work_decide
from credit.services.schemes import (
    scheme_activate,
    scheme_new_version,
    scheme_validate_rule,
)

__all__ = [
    "appeal_decide",
    "appeal_file",
    "code_replace",
    "cycle_close_self_assessment",
    "cycle_open",
    "cycle_publish",
    "cycle_start_notice",
    "evaluation_adjust",
    "evaluation_self_assess",
    "night_work_apply",
    "night_work_decide",
    "objection_file",
    "objection_resolve",
    "repair_request",
    "repair_schedule_inspection",
    "repair_verify",
    "reply_moderate",
    "reply_submit",
    "scheme_activate",
    "scheme_new_version",
    "scheme_validate_rule",
    "sticker_reissue",
]
