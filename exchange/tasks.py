from __future__ import annotations

from celery import shared_task

from exchange import services


@shared_task(ignore_result=True)
def exports_write_task(full: bool = False) -> None:
    """The scheduled export (beat: nightly); changes since each dataset's last
    file, then the retention sweep. A second copy skips (advisory lock)."""
    services.exports_write(full=full)


@shared_task(ignore_result=True)
def export_job_run_task(job_id: int) -> None:
    """An export a bureau user started from the exchange page."""
    services.export_job_run(job_id=job_id)
