"""The exchange page: bureau staff see exports and imports, start an export
(written in the background) and - administrators - apply a city list; nobody
else reaches it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import services
from exchange.models import CityListEntry, ExportFile, ExportJob

PAGE = "/exchange/"
pytestmark = pytest.mark.usefixtures("city_lists")


def _start(client, **fields):
    from grid.models import District

    data = {
        "start_export": "1",
        "export-district": District.objects.get(code="310104").pk,
        "export-dataset": "enterprises",
        "export-file_format": "csv",
        "export-updated_since": "",
        "export-updated_until": "",
        **{f"export-{k}": v for k, v in fields.items()},
    }
    return client.post(PAGE, data)


def test_bureau_staff_see_the_page_in_the_menu(client, bureau_officer):
    client.force_login(bureau_officer)
    page = client.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert "数据交换" in body and 'href="/exchange/"' in body
    assert "开始导出" in body
    assert 'id="upload-list"' not in body  # lists are applied by administrators


def test_bureau_staff_start_an_export_and_download_it(
    client, bureau_officer, world, django_capture_on_commit_callbacks
):
    client.force_login(bureau_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, updated_since="2026-01-01 00:00")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == "done" and job.requested_by == bureau_officer
    assert job.district == world.district and job.updated_since is not None
    page = client.get(PAGE).content.decode()
    download = f"/api/v1/exchange/export-files/{job.export_file.pk}/download/"
    assert download in page and "已完成" in page
    file = client.get(download)
    assert file.status_code == 200
    assert world.enterprise_x.uscc in b"".join(file.streaming_content).decode()


def test_a_started_export_does_not_move_the_scheduled_watermark(
    bureau_officer, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.export_job_start(
            user=bureau_officer,
            district=world.district,
            dataset_name="enterprises",
            file_format="json",
        )
    services.exports_write()
    scheduled = ExportFile.objects.filter(job__isnull=True, dataset="enterprises")
    assert scheduled.exists()
    assert all(f.updated_since is None for f in scheduled)  # still the first, full


def test_a_reversed_window_is_refused_by_name(client, bureau_officer):
    client.force_login(bureau_officer)
    response = _start(
        client,
        updated_since="2026-11-02 00:00",
        updated_until="2026-11-01 00:00",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "窗口的结束时间早于开始时间" in body
    assert 'id="id_export-updated_until"' in body
    assert not ExportJob.objects.exists()


def test_a_format_the_dataset_has_not_is_refused(client, bureau_officer):
    client.force_login(bureau_officer)
    response = _start(client, dataset="health-codes", file_format="geojson")
    assert response.status_code == 200
    assert not ExportJob.objects.exists()


def test_an_administrator_applies_a_city_list(client, bureau_admin, world):
    client.force_login(bureau_admin)
    upload = SimpleUploadedFile(
        "list.csv", f"uscc\n{world.enterprise_x.uscc}\n".encode(), "text/csv"
    )
    from exchange.models import CityList

    response = client.post(
        PAGE,
        {
            "upload_list": "1",
            "import-city_list": CityList.objects.get(code="positive-list").pk,
            "import-district": world.district.pk,
            "import-file": upload,
        },
    )
    assert response.status_code == 302
    assert CityListEntry.objects.filter(enterprise=world.enterprise_x).exists()
    assert "list.csv" in client.get(PAGE).content.decode()


def test_a_bureau_officer_cannot_apply_a_list(client, bureau_officer, world):
    client.force_login(bureau_officer)
    upload = SimpleUploadedFile("list.csv", b"uscc\n", "text/csv")
    response = client.post(PAGE, {"upload_list": "1", "import-file": upload})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["officer_a", "enterprise_user_x"])
def test_others_cannot_reach_the_page(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert _start(client).status_code == 403
    assert not ExportJob.objects.exists()
    assert 'href="/exchange/"' not in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_file_with_a_bad_code_names_the_row_and_applies_nothing(
    client, bureau_admin, world
):
    from exchange.models import CityList

    client.force_login(bureau_admin)
    upload = SimpleUploadedFile(
        "list.csv", f"uscc\n{world.enterprise_x.uscc}\nnot-a-code\n".encode()
    )
    response = client.post(
        PAGE,
        {
            "upload_list": "1",
            "import-city_list": CityList.objects.get(code="positive-list").pk,
            "import-district": world.district.pk,
            "import-file": upload,
        },
    )
    assert response.status_code == 200
    assert "第 3 行：not-a-code" in response.content.decode()
    assert not CityListEntry.objects.exists()


def _running_job(bureau_officer, world, *, minutes_ago: int) -> ExportJob:
    from datetime import timedelta

    from django.utils import timezone

    return ExportJob.objects.create(
        district=world.district,
        dataset="enterprises",
        file_format="csv",
        requested_by=bureau_officer,
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_a_job_whose_worker_died_is_run_by_its_redelivered_task(
    bureau_officer, world, settings
):
    settings.CELERY_TASK_TIME_LIMIT = 30 * 60
    lost = _running_job(bureau_officer, world, minutes_ago=31)
    working = _running_job(bureau_officer, world, minutes_ago=5)
    assert services.export_job_run(job_id=working.pk) is None  # still its worker's
    job = services.export_job_run(job_id=lost.pk)
    assert job.status == "done" and job.export_file is not None
    working.refresh_from_db()
    assert working.status == "running" and working.export_file is None


def test_the_nightly_export_ends_jobs_lost_with_their_worker(
    bureau_officer, world, settings
):
    settings.CELERY_TASK_TIME_LIMIT = 30 * 60
    lost = _running_job(bureau_officer, world, minutes_ago=90)
    working = _running_job(bureau_officer, world, minutes_ago=5)
    services.exports_write()
    lost.refresh_from_db()
    working.refresh_from_db()
    assert lost.status == "failed" and "再" in lost.error
    assert working.status == "running"
