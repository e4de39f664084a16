"""Kiosks: create one, log it in from an allowed network."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from grid.models import District
from screen.models import Kiosk


def kiosk_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def address_allowed(address: str | None) -> bool:
    """Whether a client address lies in one of ``SCREEN_KIOSK_NETWORKS``."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    for network in settings.SCREEN_KIOSK_NETWORKS:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


@transaction.atomic
def kiosk_create(
    *, name: str, district: District, key: str | None = None
) -> tuple[Kiosk, str]:
    """Create a kiosk and its password-less user; returns the kiosk and its key
    (shown once: only its hash is stored)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(fields={"name": [_("This field is required.")]})
    key = key or secrets.token_urlsafe(24)
    if len(key) < 12:
        raise InvalidInput(
            fields={"key": [_("A kiosk key has at least 12 characters.")]}
        )
    if Kiosk.objects.filter(key_hash=kiosk_key_hash(key)).exists():
        raise InvalidInput(fields={"key": [_("This key is already in use.")]})
    User = get_user_model()
    username = f"kiosk-{secrets.token_hex(4)}"
    user = User(username=username, first_name=name[:150])
    user.set_unusable_password()
    user.save()
    kiosk = Kiosk.objects.create(
        name=name, user=user, district=district, key_hash=kiosk_key_hash(key)
    )
    return kiosk, key


def kiosk_authenticate(*, key: str, address: str | None) -> Kiosk | None:
    """The active kiosk with this key, if the client's address is allowed."""
    if not key or not address_allowed(address):
        return None
    kiosk = (
        Kiosk.objects.active()
        .select_related("user")
        .filter(key_hash=kiosk_key_hash(key))
        .first()
    )
    if kiosk is not None:
        Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=timezone.now())
    return kiosk
