"""Telling people about tickets, through the platform's notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from core.models import Notification
from core.notifications import notify

__all__: list[str] = []  # internal to grid.services

Category = Notification.Category


def tell(
    user_ids: Iterable,
    *,
    title: str,
    body: str = "",
    url: str = "",
    category: str = Category.DISPATCH,
    urgent: bool = False,
) -> None:
    """Notify users given by id (duplicates and empty ids dropped)."""
    ids = {user_id for user_id in user_ids if user_id}
    if not ids:
        return
    users = get_user_model().objects.filter(pk__in=ids, is_active=True)
    notify(
        users=list(users),
        category=category,
        title=title[:200],
        body=body,
        url=url,
        urgent=urgent,
    )
