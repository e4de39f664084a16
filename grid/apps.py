from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Grid and people")

    def ready(self) -> None:
        from core.demo import register_demo_step
        from grid.demo import build_geography
        from grid.demo_tickets import build_tickets
        from grid.models import District, Ticket

        register_demo_step(
            10,
            "grid: district, streets, cells, agencies, users",
            build_geography,
            present=District.objects.exists,
        )
        register_demo_step(
            30,
            "grid: tickets in every state",
            build_tickets,
            present=Ticket.objects.exists,
        )
