from importlib import import_module

from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

# django-leaflet's admin module needs GeoDjango (GDAL); we store GeoJSON and use only
# its static files and template tags, so its admin is not loaded.
ADMIN_AUTODISCOVER_SKIP = {"leaflet"}


class CoreConfig(AppConfig):
    default = True  # this module also defines AdminConfig
    name = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        for config in apps.get_app_configs():
            if config.name in ADMIN_AUTODISCOVER_SKIP:
                continue
            if module_has_submodule(config.module, "admin"):
                import_module(f"{config.name}.admin")


class AdminConfig(SimpleAdminConfig):
    """The Django admin with two-factor verification for users who enabled it."""

    default_site = "core.twofactor.OTPAdminSite"
