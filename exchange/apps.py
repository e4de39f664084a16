from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("City–district data exchange")

    def ready(self) -> None:
        from enforcement.services import register_timeline_source
        from exchange.timeline import city_list_events

        register_timeline_source("exchange", city_list_events)
