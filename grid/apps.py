from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Grid and people")

    def ready(self) -> None:
        from core.demo import reference_data_step, register_demo_step
        from grid.demo import build_geography
        from grid.demo_tickets import build_tickets
        from grid.models import District, Ticket, TicketCategory

        register_demo_step(
            1,
            "grid: ticket categories and holidays",
            reference_data_step(
                "grid.migrations.0004_ticket_categories_and_holidays",
                "load",
                unless=TicketCategory.objects.exists,
            ),
        )
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
