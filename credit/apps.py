from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit codes")

    def ready(self) -> None:
        from core.demo import reference_data_step, register_demo_step
        from credit import integration
        from credit.demo import build_credit
        from credit.models import Cycle

        register_demo_step(
            4,
            "credit: starter questionnaires",
            reference_data_step("credit.migrations.0002_starter_schemes", "load"),
        )
        register_demo_step(
            60,
            "credit: cycles, codes, stickers",
            build_credit,
            present=Cycle.objects.exists,
        )
        integration.register()
