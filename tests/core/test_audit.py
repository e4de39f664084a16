"""Legal records keep trigger-written history, sealed in a hash chain that
``audit_verify`` re-checks (PostgreSQL: the history lives in triggers)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from rest_framework.test import APIClient

from core.audit import GENESIS, audit_seal, audit_verify, canonical_payload, link_hash
from enforcement.models import Enterprise

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _events(enterprise):
    return enterprise.events.order_by("pgh_id")


def test_bulk_update_is_recorded_in_history(world):
    Enterprise.objects.filter(pk=world.enterprise_x.pk).update(name="批量改名")
    labels = [e.pgh_label for e in _events(world.enterprise_x)]
    assert labels == ["insert", "update"]
    assert _events(world.enterprise_x).last().name == "批量改名"


def test_token_api_change_records_the_acting_user(world, bureau_officer):
    token = (
        APIClient()
        .post(
            "/api/v1/auth/login/",
            {"username": "bureau_officer", "password": "pw-bureau_officer"},
        )
        .data["token"]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.patch(
        f"/api/v1/enforcement/enterprises/{world.enterprise_x.id}/",
        {"name": "接口改名"},
    )
    assert response.status_code == 200
    event = _events(world.enterprise_x).last()
    assert event.name == "接口改名"
    assert event.pgh_context.metadata["user"] == bureau_officer.pk
    assert event.pgh_context.metadata["url"].endswith(f"/{world.enterprise_x.id}/")


def test_history_rows_cannot_be_updated_or_deleted(world):
    event = _events(world.enterprise_x).first()
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        type(event).objects.filter(pk=event.pk).update(name="篡改")
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        type(event).objects.filter(pk=event.pk).delete()


def test_sealed_chain_verifies_and_links_follow_each_other(world):
    Enterprise.objects.filter(pk=world.enterprise_y.pk).update(name="乙汽修二")
    sealed = audit_seal()
    assert sealed >= 3
    assert audit_seal() == 0  # nothing new
    result = audit_verify()
    assert result.ok and result.checked == sealed
    first = _events(world.enterprise_x).first()
    from core.models import AuditLink

    link = AuditLink.objects.get(event_model=first._meta.label, event_id=first.pgh_id)
    assert link.hash == link_hash(link.previous_hash, canonical_payload(first))
    assert AuditLink.objects.order_by("sequence").first().previous_hash == GENESIS


def test_audit_verify_finds_a_row_altered_behind_the_applications_back(world):
    audit_seal()
    event = _events(world.enterprise_x).first()
    table = event._meta.db_table
    with (
        connection.cursor() as cursor
    ):  # an operator with table rights, bypassing triggers
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        cursor.execute(
            f'UPDATE "{table}" SET name = %s WHERE pgh_id = %s', ["篡改", event.pgh_id]
        )
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
    result = audit_verify()
    assert not result.ok
    assert result.reason == "the history row was changed"
    out = StringIO()
    with pytest.raises(CommandError, match="broken at link"):
        call_command("audit_verify", stdout=out)


def test_digest_task_writes_the_chain_head(world, settings, tmp_path):
    from core.tasks import audit_digest_task

    settings.AUDIT_DIGEST_DIR = tmp_path
    path = audit_digest_task()
    with open(path) as handle:
        text = handle.read()
    assert audit_verify().head_hash in text
