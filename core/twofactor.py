"""TOTP two-factor login (django-otp) for administrators and bureau staff.

- ``two-factor/``: a user who may use it scans a QR code with an authenticator
  app and confirms one code; from then on the device is confirmed.
- Login: a user with a confirmed device gives the password, then a code
  (``accounts/login/code/``) before the session is logged in.
- Admin: a user with a confirmed device must have verified it in this session;
  the admin's own login form asks for the code.
- Token login (phones): a user with a confirmed device sends ``otp_token`` too.
"""

from __future__ import annotations

import base64
import time

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import views as core_views

PENDING_KEY = "twofactor_pending"
PENDING_SECONDS = 300


def may_use_two_factor(request) -> bool:
    """Administrators, and whoever the TWO_FACTOR_PERMISSION (a DRF permission
    class named in settings, so that core needs no higher app) lets in."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    permission = import_string(settings.TWO_FACTOR_PERMISSION)()
    return bool(permission.has_permission(request, None))


def has_confirmed_device(user) -> bool:
    return bool(user and user.is_authenticated and user_has_device(user))


# ------------------------------------------------------------------------- admin


class AdminLoginForm(AdminAuthenticationForm, OTPAuthenticationFormMixin):
    """The admin login; asks for the code only from users with a device."""

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(required=False, label=gettext_lazy("Code"))
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if has_confirmed_device(user):
            self.clean_otp(user)
        return cleaned

    def _chosen_device(self, user):
        # One authenticator per user: no device picker on the form.
        chosen = super()._chosen_device(user)
        return chosen or TOTPDevice.objects.filter(user=user, confirmed=True).first()


class OTPAdminSite(AdminSite):
    """The Django admin: a staff user with a confirmed device must have verified
    it in this session."""

    login_form = AdminLoginForm
    login_template = "otp/admin111/login.html"

    def has_permission(self, request) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        return user.is_verified() or not has_confirmed_device(user)


# ------------------------------------------------------------------------- login


class LoginView(core_views.LoginView):
    """Password first; a user with a confirmed device then gives a code."""

    def form_valid(self, form):
        user = form.get_user()
        if not has_confirmed_device(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login-otp")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second login step: the code of the user who just gave the password."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip())
        if device is None:
            form.add_error("code", _("The code is wrong or has expired."))
        else:
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            target = pending.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "/"
            return redirect(target)
    return render(request, "registration/otp_code.html", {"form": form})


# ------------------------------------------------------------------------- setup


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5, border=2)


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enable TOTP: show the QR code and confirm it with one code; or turn it off
    with a current code."""
    user = request.user
    if not may_use_two_factor(request):
        raise PermissionDenied
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["code"].strip()):
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(request, _("Two-factor login is off."))
                return redirect("otp-setup")
            form.add_error("code", _("The code is wrong or has expired."))
        return render(
            request, "registration/otp_setup.html", {"form": form, "enabled": True}
        )
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-factor login is on."))
            return redirect("otp-setup")
        form.add_error("code", _("The code is wrong or has expired."))
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "enabled": False,
            "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - segno SVG
            "secret": base64.b32encode(device.bin_key).decode(),
        },
    )


def token_login_second_factor(user, token: str | None) -> bool:
    """For the phone token login: True if no code is needed or the code matches."""
    if not has_confirmed_device(user):
        return True
    return bool(token) and match_token(user, str(token).strip()) is not None
