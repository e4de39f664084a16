"""HTML pages of the enforcement app, one module per topic."""

from enforcement.views.enterprises import (
    dashboard,
    enterprise_detail,
    enterprise_export,
    enterprise_import,
    enterprise_list,
    map_page,
    mobile_home,
)

__all__ = [
    "dashboard",
    "enterprise_detail",
    "enterprise_export",
    "enterprise_import",
    "enterprise_list",
    "map_page",
    "mobile_home",
]
