from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazwasteConfig(AppConfig):
    name = "hazwaste"
    verbose_name = _("Hazardous waste")
