from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazwasteConfig(AppConfig):
    name = "hazwaste"
    verbose_name = _("Hazardous waste")

    def ready(self) -> None:
        from core.demo import reference_data_step, register_demo_step
        from enforcement.services import (
            DashboardPanel,
            inspection_recorded,
            register_dashboard_panel,
            register_factor,
            register_timeline_source,
        )
        from hazwaste.demo import build_hazwaste
        from hazwaste.factors import FACTOR
        from hazwaste.models import CatalogueEdition
        from hazwaste.timeline import dashboard_context, manifest_events

        register_demo_step(
            5,
            "hazwaste: waste catalogue and anomaly rules",
            reference_data_step(
                "hazwaste.migrations.0002_catalogue_and_rules",
                "forwards",
                unless=CatalogueEdition.objects.exists,
            ),
        )

        register_demo_step(
            70, "hazwaste: producers, manifests, warnings", build_hazwaste
        )
        register_timeline_source("hazwaste", manifest_events)
        register_factor(FACTOR)
        register_dashboard_panel(
            DashboardPanel(
                name="hazwaste",
                template="hazwaste/panel.html",
                context=dashboard_context,
                order=70,
            )
        )
        inspection_recorded.connect(
            _resolve_warnings_after_inspection,
            dispatch_uid="hazwaste.warnings_inspected",
        )


def _resolve_warnings_after_inspection(sender, *, inspection, **kwargs) -> None:
    """An inspection of an enterprise settles the warnings sent to inspection."""
    from hazwaste.services import warnings_resolve_by_inspection

    warnings_resolve_by_inspection(inspection=inspection)
