"""The wall screen's kiosk logins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import ScopedQuerySet, TimeStampedModel
from grid.models import District


class KioskQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Bureau administrators see their districts' kiosks."""
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        if not scope.is_bureau_admin:
            return self.none()
        return self.filter(district_id__in=scope.district_ids)

    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Kiosk(TimeStampedModel):
    """Kiosk (大屏终端): the read-only login of a wall screen in a command room.

    Its user has no membership and no password: it logs in with the kiosk key at
    ``/screen/login/`` from an allowed network (``SCREEN_KIOSK_NETWORKS``), keeps
    its session for ``SCREEN_KIOSK_SESSION_DAYS`` and may open nothing but the
    screen and its data (``screen.middleware.KioskMiddleware``)."""

    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="kiosk",
        verbose_name=_("user"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="kiosks",
        verbose_name=_("district"),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    objects = KioskQuerySet.as_manager()

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["district", "name", "id"]

    def __str__(self) -> str:
        return self.name
