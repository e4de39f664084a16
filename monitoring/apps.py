from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from core.demo import register_demo_step
        from enforcement.services import (
            DashboardPanel,
            register_dashboard_panel,
            register_factor,
            register_timeline_source,
        )
        from monitoring.demo import build_monitoring
        from monitoring.factors import FACTOR
        from monitoring.panels import dashboard_context
        from monitoring.timeline import alarm_events

        register_demo_step(
            50, "monitoring: stations, history, alarms", build_monitoring
        )
        register_timeline_source("monitoring", alarm_events)
        register_factor(FACTOR)
        register_dashboard_panel(
            DashboardPanel(
                name="monitoring",
                template="monitoring/_dashboard_panel.html",
                context=dashboard_context,
                order=30,
            )
        )
