"""Periodic and queued jobs of the grid app: thin wrappers around services."""

from celery import shared_task

from grid import services


@shared_task(name="grid.tickets_escalate_overdue")
def tickets_escalate_overdue() -> dict:
    report = services.tickets_escalate_overdue()
    return {"to_street": report.to_street, "to_district": report.to_district}
