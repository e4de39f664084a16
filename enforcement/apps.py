from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("Enforcement")

    def ready(self) -> None:
        from core.demo import reference_data_step, register_demo_step
        from enforcement.demo import build_enterprises
        from enforcement.demo_joint import build_joint_cases, joint_demo_present
        from enforcement.demo_records import build_enforcement_records
        from enforcement.factors import register_enforcement_factors
        from enforcement.registry import (
            DashboardPanel,
            register_dashboard_panel,
            register_timeline_source,
        )
        from enforcement.timeline import (
            case_events,
            health_code_events,
            inspection_events,
            joint_events,
            registry_events,
        )
        from enforcement.views.health import health_panel_context
        from grid.selectors import ticket_overdue_panel
        from grid.services import ticket_outcome_changed

        # both loaders keep what exists
        register_demo_step(
            2,
            "enforcement: checklists and the risk model",
            reference_data_step(
                "enforcement.migrations.0004_starter_checklists_and_risk_model", "load"
            ),
        )
        register_demo_step(
            3,
            "enforcement: joint factors in the risk model",
            reference_data_step(
                "enforcement.migrations.0006_joint_risk_factors", "add"
            ),
        )
        register_demo_step(20, "enforcement: enterprises", build_enterprises)
        # after the grid's demo tickets (30): complaints count in the codes
        register_demo_step(
            40,
            "enforcement: a year of inspections and penalties",
            build_enforcement_records,
        )
        register_demo_step(
            45,
            "enforcement: joint cases on the border",
            build_joint_cases,
            present=joint_demo_present,
        )
        register_timeline_source("registry", registry_events)
        register_timeline_source("inspections", inspection_events)
        register_timeline_source("cases", case_events)
        register_timeline_source("health_code", health_code_events)
        register_timeline_source("joint", joint_events)
        register_enforcement_factors()
        ticket_outcome_changed.connect(
            _recompute_after_ticket, dispatch_uid="enforcement.health_code"
        )
        ticket_outcome_changed.connect(
            _joint_recheck_after_ticket, dispatch_uid="enforcement.joint_recheck"
        )
        register_dashboard_panel(
            DashboardPanel(
                name="enforcement.health_codes",
                template="enforcement/_health_panel.html",
                context=health_panel_context,
                order=10,
            )
        )
        register_dashboard_panel(
            DashboardPanel(
                name="grid: overdue tickets by street",
                template="grid/_dashboard_overdue.html",
                context=ticket_overdue_panel,
                order=20,
            )
        )


def _recompute_after_ticket(sender, *, ticket, **kwargs) -> None:
    """A closed (or reopened) ticket about an enterprise may change its code."""
    if ticket.enterprise_id is not None:
        from enforcement.services import health_code_request_recompute

        health_code_request_recompute(enterprise_id=ticket.enterprise_id)


def _joint_recheck_after_ticket(sender, *, ticket, **kwargs) -> None:
    """A joint re-check carried out through this ticket hears of its outcome."""
    if ticket.origin.startswith("enforcement.joint_recheck:"):
        from enforcement.services import joint_recheck_ticket_changed

        joint_recheck_ticket_changed(ticket=ticket)
