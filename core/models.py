"""Shared kernel: the base model and the scoped-queryset contract."""

from __future__ import annotations

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
