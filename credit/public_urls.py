"""The short public path a sticker's QR code encodes: /c/<token>/ (mounted in
config/urls.py). No namespace, so the name stays short in templates."""

from django.urls import path

from credit.views.public import public_code

urlpatterns = [path("<str:token>/", public_code, name="credit-public")]
