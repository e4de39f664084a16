"""A pg_dump restored into a fresh database keeps a verifiable audit chain."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from core.audit import audit_seal, audit_verify
from enforcement.models import Enterprise

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _url(name: str) -> str:
    settings = connection.settings_dict
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{name}"


def test_dump_restore_and_verify(world, tmp_path):
    Enterprise.objects.filter(pk=world.enterprise_x.pk).update(name="备份前改名")
    audit_seal()
    head = audit_verify().head_hash
    dump = tmp_path / "backup.dump"
    source = _url(connection.settings_dict["NAME"])
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
    )
    restored = f"restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", restored], check=True
    )
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_url(restored)}", str(dump)],
            check=True,
        )
        environment = {
            **os.environ,
            "DATABASE_URL": _url(restored),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert head in result.stdout
    finally:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", restored],
            check=True,
        )
