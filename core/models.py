"""Shared kernel: the base model and the scoped-queryset contract."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: every row knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows are visible per user.

    Every scoped model implements ``for_user``; views, the API and selectors all
    start from it, so an object outside a user's scope is never fetched (404).
    """

    def for_user(self, user) -> ScopedQuerySet:  # pragma: no cover - contract
        raise NotImplementedError


class AuditLink(models.Model):
    """Audit chain link (审计链): one history event sealed into a hash chain.

    Each link's hash covers the previous link's hash and a canonical JSON of the
    event row, so altering or deleting a sealed history row breaks the chain at
    that link (``manage.py audit_verify`` finds it)."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    event_model = models.CharField(_("event model"), max_length=100)
    event_id = models.BigIntegerField(_("event id"))
    event_created_at = models.DateTimeField(_("event time"))
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit chain link")
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        verbose_name_plural = _("audit chain links")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_model", "event_id"],
                name="core_auditlink_one_link_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_model}:{self.event_id}"
