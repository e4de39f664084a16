from django.urls import path

from screen import views

app_name = "screen"

urlpatterns = [
    path("", views.screen, name="screen"),
    path("login/", views.kiosk_login, name="login"),
    path("logout/", views.kiosk_logout, name="logout"),
]
