"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from enforcement.models import HealthCodeChange
from enforcement.services import health


@shared_task(ignore_result=True)
def health_codes_recompute_nightly() -> None:
    """Every enterprise's code (periodic; advisory-locked; resumes a broken run)."""
    health.health_codes_recompute_all(trigger=HealthCodeChange.Trigger.SCHEDULED)


@shared_task(ignore_result=True)
def health_codes_recompute_manual() -> None:
    health.health_codes_recompute_all(trigger=HealthCodeChange.Trigger.MANUAL)


@shared_task(
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def health_code_recompute_enterprise(*, enterprise_id: int) -> None:
    """One enterprise after an event; quietly nothing if it is gone."""
    health.health_code_recompute(enterprise_id=enterprise_id)


@shared_task(ignore_result=True)
def joint_invitations_sweep() -> None:
    """Remind unanswered invitations, expire overdue ones (periodic, locked)."""
    from core.periodic import periodic_run
    from enforcement.services import joint_invitations_remind_and_expire

    periodic_run(
        "enforcement.joint_invitations",
        handler=lambda since, until: joint_invitations_remind_and_expire(now=until),
    )


@shared_task(ignore_result=True)
def joint_rechecks_escalate() -> None:
    """Escalate overdue joint re-check tasks (periodic, locked)."""
    from core.periodic import periodic_run
    from enforcement.services import joint_rechecks_escalate_overdue

    periodic_run(
        "enforcement.joint_rechecks",
        handler=lambda since, until: joint_rechecks_escalate_overdue(),
    )
