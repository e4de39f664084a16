from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("City–district data exchange")

    def ready(self) -> None:
        from core.demo import reference_data_step, register_demo_step
        from enforcement.services import register_timeline_source
        from exchange.models import CityList
        from exchange.timeline import city_list_events

        register_timeline_source("exchange", city_list_events)
        register_demo_step(
            6,
            "exchange: city lists",
            reference_data_step(
                "exchange.migrations.0002_default_city_lists",
                "create",
                unless=CityList.objects.exists,
            ),
        )
