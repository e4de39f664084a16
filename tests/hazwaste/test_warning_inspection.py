"""Sending a warning to an on-site inspection: staff only, once; the warning is
resolved by the next inspection of the enterprise concerned, not by an inspection
of another enterprise nor by a visit made before it was sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, PermissionDenied
from enforcement.models import ChecklistTemplate
from hazwaste import services
from hazwaste.factors import unsettled_warnings
from hazwaste.models import AnomalyWarning
from tests.enforcement.conftest import record_inspection

from .conftest import shipped_manifest, stored_drum

BASE = "/api/v1/hazwaste"


@pytest.fixture
def waste_checklist(db) -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(domain="hazardous_waste", is_active=True)


def _storage_warning(waste, user, *, now) -> AnomalyWarning:
    """A drum stored 340 days: a warning about the producer only (enterprise Y)."""
    stored = now - timedelta(days=340)
    stored_drum(waste, user, when=stored, now=stored)
    services.anomaly_scan(now=now, only=["storage_age"])
    return AnomalyWarning.objects.get(rule__code="storage_age", status="open")


def _weight_warning(waste, user, *, now) -> AnomalyWarning:
    """A 20 % short receipt: a warning naming the producer and the receiver."""
    drum = stored_drum(waste, user, kg="100", when=now - timedelta(days=3), now=now)
    services.manifest_receive(
        manifest=shipped_manifest(waste, user, [drum], now=now),
        user=waste.receiver_user,
        lines=[{"position": 1, "received_kg": "80", "outcome": "accepted"}],
        now=now,
    )
    services.anomaly_scan(now=now, only=["weight_mismatch"])
    return AnomalyWarning.objects.get(rule__code="weight_mismatch", status="open")


def test_sending_to_inspection_sets_the_status_once_and_only_for_staff(
    waste, enterprise_user_y, bureau_officer
):
    now = timezone.now()
    warning = _storage_warning(waste, enterprise_user_y, now=now)
    with pytest.raises(PermissionDenied):
        services.warning_send_to_inspection(warning=warning, user=enterprise_user_y)

    sent = services.warning_send_to_inspection(
        warning=warning, user=bureau_officer, note="请现场核查贮存时间", now=now
    )
    sent.refresh_from_db()
    assert sent.status == AnomalyWarning.Status.INSPECTION
    assert (sent.handled_by, sent.handled_at) == (bureau_officer, now)
    assert sent.handling_note == "请现场核查贮存时间"
    with pytest.raises(Conflict):
        services.warning_send_to_inspection(warning=warning, user=bureau_officer)
    with pytest.raises(Conflict):
        services.warning_dismiss(warning=warning, user=bureau_officer, reason="x")


def test_the_next_inspection_of_the_enterprise_resolves_and_names_it(
    world, waste, enterprise_user_y, bureau_officer, officer_b, waste_checklist
):
    now = timezone.now()
    warning = _storage_warning(waste, enterprise_user_y, now=now)
    services.warning_send_to_inspection(
        warning=warning, user=bureau_officer, note="请现场核查", now=now
    )
    assert unsettled_warnings(as_of=timezone.localdate(now)).count() == 1

    inspection = record_inspection(
        enterprise=world.enterprise_y,
        officers=[officer_b, bureau_officer],
        template=waste_checklist,
        inspected_on=timezone.localdate(now),
    )

    warning.refresh_from_db()
    assert warning.status == AnomalyWarning.Status.INSPECTED
    assert str(inspection.pk) in warning.handling_note
    assert inspection.inspected_on.isoformat() in warning.handling_note
    assert warning.handling_note.endswith("请现场核查")
    assert (warning.handled_by, warning.handled_at) == (bureau_officer, now)
    assert unsettled_warnings(as_of=timezone.localdate(now)).count() == 0
    # settled by staff: the next scan does not raise the finding again
    services.anomaly_scan(now=now + timedelta(days=1), only=["storage_age"])
    assert AnomalyWarning.objects.count() == 1


def test_an_inspection_of_another_enterprise_leaves_the_warning_waiting(
    world,
    waste,
    enterprise_user_y,
    bureau_officer,
    officer_a,
    officer_b,
    waste_checklist,
):
    now = timezone.now()
    warning = _weight_warning(waste, enterprise_user_y, now=now)
    services.warning_send_to_inspection(warning=warning, user=bureau_officer, now=now)

    # the receiver named on the warning is not the enterprise sent to inspection
    for enterprise in (waste.receiver.enterprise, world.enterprise_x):
        record_inspection(
            enterprise=enterprise,
            officers=[officer_a, bureau_officer],
            template=waste_checklist,
        )
    warning.refresh_from_db()
    assert warning.status == AnomalyWarning.Status.INSPECTION

    record_inspection(
        enterprise=world.enterprise_y,
        officers=[officer_b, bureau_officer],
        template=waste_checklist,
    )
    warning.refresh_from_db()
    assert warning.status == AnomalyWarning.Status.INSPECTED


def test_a_visit_made_before_the_warning_was_sent_does_not_resolve_it(
    world, waste, enterprise_user_y, bureau_officer, officer_b, waste_checklist
):
    now = timezone.now()
    today = timezone.localdate(now)
    warning = _storage_warning(waste, enterprise_user_y, now=now)
    officers = [officer_b, bureau_officer]
    # recorded before the warning was sent: nothing was waiting for it
    record_inspection(
        enterprise=world.enterprise_y,
        officers=officers,
        template=waste_checklist,
        inspected_on=today,
    )
    services.warning_send_to_inspection(warning=warning, user=bureau_officer, now=now)
    warning.refresh_from_db()
    assert warning.status == AnomalyWarning.Status.INSPECTION

    # recorded afterwards, but the visit was the day before the warning was sent
    record_inspection(
        enterprise=world.enterprise_y,
        officers=officers,
        template=waste_checklist,
        inspected_on=today - timedelta(days=1),
    )
    warning.refresh_from_db()
    assert warning.status == AnomalyWarning.Status.INSPECTION


def test_a_bureau_officer_sends_a_warning_to_inspection_through_the_api(
    api, waste, enterprise_user_y, bureau_officer
):
    warning = _storage_warning(waste, enterprise_user_y, now=timezone.now())
    url = f"{BASE}/warnings/{warning.pk}/inspection/"

    refused = api(enterprise_user_y).post(url)
    assert refused.status_code == 403

    done = api(bureau_officer).post(url, {"note": "请现场核查"})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "inspection"
    assert done.json()["handling_note"] == "请现场核查"

    again = api(bureau_officer).post(url)
    assert again.status_code == 409


def test_a_bureau_officer_sends_a_warning_to_inspection_from_its_page(
    client, world, waste, enterprise_user_y, bureau_officer
):
    warning = _storage_warning(waste, enterprise_user_y, now=timezone.now())
    client.force_login(bureau_officer)
    page = client.get(warning.get_absolute_url()).content.decode()
    assert f"/hazwaste/warnings/{warning.pk}/inspection/" in page

    response = client.post(
        f"/hazwaste/warnings/{warning.pk}/inspection/", {"note": "核查台账"}
    )
    assert response.status_code == 302
    warning.refresh_from_db()
    assert (warning.status, warning.handling_note) == ("inspection", "核查台账")
    page = client.get(warning.get_absolute_url()).content.decode()
    record_url = f"/enterprises/{world.enterprise_y.pk}/inspections/new/"
    assert record_url in page
    assert client.get(record_url + "?domain=hazardous_waste").status_code == 200


def test_users_outside_the_enterprises_scope_get_404(
    api, client, waste, enterprise_user_y, enterprise_user_x, officer_a
):
    warning = _storage_warning(waste, enterprise_user_y, now=timezone.now())
    for user in (officer_a, enterprise_user_x):  # enterprise Y is in street B
        response = api(user).post(f"{BASE}/warnings/{warning.pk}/inspection/")
        assert response.status_code == 404, user
    client.force_login(officer_a)
    response = client.post(f"/hazwaste/warnings/{warning.pk}/inspection/")
    assert response.status_code == 404
    warning.refresh_from_db()
    assert warning.status == AnomalyWarning.Status.OPEN
