from django.contrib.auth import views as auth_views
from django.urls import path

from core import twofactor, views

urlpatterns = [
    path("accounts/login/", twofactor.LoginView.as_view(), name="login"),
    path("accounts/login/code/", twofactor.login_code, name="login-otp"),
    path("accounts/two-factor/", twofactor.setup, name="otp-setup"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification-preferences",
    ),
]
