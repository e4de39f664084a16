"""Trigger-written history for legal records (django-pghistory).

Triggers run in PostgreSQL, so ``queryset.update()`` and bulk writes are recorded
too, with the acting user and URL from the request context. On SQLite (the first
run) the triggers are not installed and history is not kept."""

import pghistory


def track(**options):
    """Record every insert, update and delete of the decorated model."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        **options,
    )
