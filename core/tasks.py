"""Periodic jobs of the shared kernel: seal the audit chain, export its head."""

import json

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from core import audit


@shared_task(ignore_result=True)
def audit_seal_task() -> int:
    return audit.audit_seal()


@shared_task(ignore_result=True)
def audit_digest_task() -> str:
    """Write today's chain head to a file (and mail it) for anchoring outside the DB."""
    audit.audit_seal()
    now = timezone.now()
    digest = audit.audit_digest(at=now)
    directory = settings.AUDIT_DIGEST_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-digest-{now:%Y-%m-%d}.json"
    path.write_text(json.dumps(digest, indent=2))
    if settings.AUDIT_DIGEST_EMAIL:
        send_mail(
            f"Audit chain head {now:%Y-%m-%d}",
            json.dumps(digest, indent=2),
            None,
            settings.AUDIT_DIGEST_EMAIL,
            fail_silently=True,
        )
    return str(path)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def delivery_send_task(delivery_id: int) -> str:
    """Send one delivery; transient failures come back later through the sweep."""
    from core.notifications import delivery_send

    return delivery_send(delivery_id=delivery_id)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def deliveries_sweep_task() -> int:
    """Send what is due: retries after backoff and messages held by quiet hours."""
    from core.notifications import deliveries_due

    due = deliveries_due()
    for pk in due:
        delivery_send_task.delay(pk)
    return len(due)
