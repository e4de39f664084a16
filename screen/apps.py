from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreenConfig(AppConfig):
    name = "screen"
    verbose_name = _("Big screen")

    def ready(self) -> None:
        from core.demo import register_demo_step
        from screen.demo import build_kiosk

        register_demo_step(90, "screen: command-room kiosk", build_kiosk)
