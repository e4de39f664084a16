from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("Enforcement")

    def ready(self) -> None:
        from core.demo import register_demo_step
        from enforcement.demo import build_enterprises
        from enforcement.registry import (
            DashboardPanel,
            register_dashboard_panel,
            register_timeline_source,
        )
        from enforcement.timeline import registry_events
        from grid.selectors import ticket_overdue_panel

        register_demo_step(20, "enforcement: enterprises", build_enterprises)
        register_timeline_source("registry", registry_events)
        register_dashboard_panel(
            DashboardPanel(
                name="grid: overdue tickets by street",
                template="grid/_dashboard_overdue.html",
                context=ticket_overdue_panel,
                order=20,
            )
        )
