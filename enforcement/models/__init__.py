"""Models of the enforcement app, one module per topic; import them from here."""

from enforcement.models.cases import (
    PenaltyDecision,
    RectificationOrder,
    StatusChange,
    Violation,
)
from enforcement.models.checklists import ChecklistItem, ChecklistTemplate, Domain
from enforcement.models.enterprises import (
    Enterprise,
    EnterpriseAccount,
    EnterpriseAccountQuerySet,
    EnterpriseQuerySet,
    enterprise_scope_q,
)
from enforcement.models.health import (
    COLOUR_RANK,
    Colour,
    HealthCode,
    HealthCodeChange,
    RecomputeRun,
    RiskModel,
    RiskModelFactor,
    RiskTier,
)
from enforcement.models.inspections import (
    EnterpriseRecordQuerySet,
    Inspection,
    InspectionAnswer,
    InspectionOfficer,
    InspectionPhoto,
)
from enforcement.models.joint import (
    JointAction,
    JointCase,
    JointEvidence,
    JointInvitation,
    JointMeasure,
    JointParticipant,
    JointRecheck,
    JointSignature,
    JointTimelineEntry,
    joint_case_scope_q,
)
from enforcement.models.planning import (
    InspectionPlan,
    PlanAssignment,
    PlanTarget,
    Recusal,
)

__all__ = [
    "COLOUR_RANK",
    "ChecklistItem",
    "ChecklistTemplate",
    "Colour",
    "Domain",
    "Enterprise",
    "EnterpriseAccount",
    "EnterpriseAccountQuerySet",
    "EnterpriseQuerySet",
    "EnterpriseRecordQuerySet",
    "HealthCode",
    "HealthCodeChange",
    "Inspection",
    "InspectionAnswer",
    "InspectionOfficer",
    "InspectionPhoto",
    "InspectionPlan",
    "JointAction",
    "JointCase",
    "JointTimelineEntry",
    "JointEvidence",
    "JointInvitation",
    "JointMeasure",
    "JointParticipant",
    "JointRecheck",
    "JointSignature",
    "PenaltyDecision",
    "PlanAssignment",
    "PlanTarget",
    "RecomputeRun",
    "Recusal",
    "RectificationOrder",
    "RiskModel",
    "RiskModelFactor",
    "RiskTier",
    "StatusChange",
    "Violation",
    "enterprise_scope_q",
    "joint_case_scope_q",
]
