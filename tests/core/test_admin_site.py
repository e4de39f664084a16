"""The admin lists every app's models: admin modules are discovered at start-up."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils.module_loading import module_has_submodule

PROJECT_APPS = (
    "core",
    "grid",
    "enforcement",
    "credit",
    "monitoring",
    "hazwaste",
    "screen",
    "exchange",
)


def test_every_project_app_with_an_admin_module_has_registered_models():
    registered = {model._meta.app_label for model in admin.site._registry}
    for config in apps.get_app_configs():
        if config.name in PROJECT_APPS and module_has_submodule(config.module, "admin"):
            assert config.label in registered, config.label


@pytest.mark.django_db
def test_the_admin_opens_the_enterprise_change_list(admin_client):
    response = admin_client.get("/admin/enforcement/enterprise/")
    assert response.status_code == 200
