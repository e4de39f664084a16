from django.urls import re_path

from grid import open311

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(
        r"^services/(?P<code>[\w-]+)" + FMT,
        open311.service_definition,
        name="service-definition",
    ),
    re_path(r"^requests" + FMT, open311.requests_view, name="requests"),
    re_path(
        r"^requests/(?P<reference>[\w-]+)" + FMT,
        open311.request_detail,
        name="request-detail",
    ),
]
