from django.urls import path

from enforcement import views

app_name = "enforcement"
urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("import/", views.enterprise_import, name="enterprise-import"),
    path("export.csv", views.enterprise_export, name="enterprise-export"),
]
