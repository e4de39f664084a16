"""The scheduled export: files under the var directory, changes since the last
files, and a retention that keeps each dataset's latest file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from enforcement.models import Enterprise
from exchange import services
from exchange.models import ExportFile


def test_the_export_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["exchange-exports"]
    assert entry["task"] == "exchange.tasks.exports_write_task"


def _read(export: ExportFile):
    return (Path(settings.EXCHANGE_EXPORT_DIR) / export.path).read_text()


def test_first_run_writes_full_files_then_only_changes(world, foreign_enterprise):
    first = services.exports_write()
    enterprises = [
        e for e in first if e.dataset == "enterprises" and e.file_format == "json"
    ]
    assert len(enterprises) == 1  # the home district only; the partner has no bureau
    export = enterprises[0]
    assert export.updated_since is None and export.rows == 2
    assert export.path.startswith("310104/enterprises-") and "-full." in export.path
    data = json.loads(_read(export))
    assert foreign_enterprise.uscc not in {i["uscc"] for i in data["items"]}
    formats = {e.file_format for e in first if e.dataset == "enterprises"}
    assert formats == {"csv", "json", "geojson"}
    assert {e.file_format for e in first if e.dataset == "health-codes"} == {
        "csv",
        "json",
    }

    Enterprise.objects.filter(pk=world.enterprise_x.pk).update(
        updated_at=timezone.now()
    )
    second = services.exports_write(now=timezone.now() + timedelta(seconds=1))
    changes = next(
        e for e in second if e.dataset == "enterprises" and e.file_format == "json"
    )
    assert changes.updated_since == export.updated_until
    assert "-changes." in changes.path
    assert [i["uscc"] for i in json.loads(_read(changes))["items"]] == [
        world.enterprise_x.uscc
    ]


def test_retention_removes_old_files_but_keeps_the_latest(world):
    old = services.exports_write(now=timezone.now() - timedelta(days=40))
    ExportFile.objects.filter(pk__in=[e.pk for e in old]).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    oldest = old[0]
    services.exports_write()
    assert not ExportFile.objects.filter(pk=oldest.pk).exists()
    assert not (Path(settings.EXCHANGE_EXPORT_DIR) / oldest.path).exists()
    # A dataset whose only files are old keeps its latest (the watermark).
    ExportFile.objects.update(created_at=timezone.now() - timedelta(days=90))
    kept = ExportFile.objects.count()
    assert services.exports_prune() == 0
    assert ExportFile.objects.count() == kept


def test_the_city_lists_and_downloads_its_files(world, city):
    services.exports_write()
    listing = city.get("/api/v1/exchange/export-files/", {"dataset": "enterprises"})
    assert listing.status_code == 200
    rows = listing.json()["results"]
    assert {r["file_format"] for r in rows} == {"csv", "json", "geojson"}
    json_file = next(r for r in rows if r["file_format"] == "json")
    response = city.get(f"/api/v1/exchange/export-files/{json_file['id']}/download/")
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content))
    assert len(data["items"]) == 2
    # the body is what the schema declares for a JSON file
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/exchange/export-files/{id}/download/"]
    declared = operation["get"]["responses"]["200"]["content"]["application/json"]
    envelope = schema["components"]["schemas"]["ExportEnvelope"]
    assert declared["schema"] == {"$ref": "#/components/schemas/ExportEnvelope"}
    assert set(data) == set(envelope["properties"]) == set(envelope["required"])


def test_a_pruned_file_is_gone_not_an_error(world, city):
    export = services.exports_write()[0]
    (Path(settings.EXCHANGE_EXPORT_DIR) / export.path).unlink()
    response = city.get(f"/api/v1/exchange/export-files/{export.pk}/download/")
    assert response.status_code == 404
