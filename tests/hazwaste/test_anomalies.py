from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput, PermissionDenied
from hazwaste import services
from hazwaste.models import AnomalyRule, AnomalyWarning, ManagementPlan

from .conftest import at, shipped_manifest, stored_drum

STORED = at(2025, 12, 1, 9, 0)


def _open(rule: str):
    return list(AnomalyWarning.objects.filter(rule__code=rule, status="open"))


def _received(waste, user, *, shipped: str, received: str, now):
    drum = stored_drum(waste, user, kg=shipped, when=now - timedelta(days=3), now=now)
    manifest = shipped_manifest(waste, user, [drum], now=now)
    return services.manifest_receive(
        manifest=manifest,
        user=waste.receiver_user,
        lines=[{"position": 1, "received_kg": received, "outcome": "accepted"}],
        now=now,
    )


def test_storage_age_warns_30_days_ahead_and_escalates_past_a_year(
    waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y, when=STORED, now=STORED)
    services.anomaly_scan(now=STORED + timedelta(days=334), only=["storage_age"])
    assert _open("storage_age") == []

    services.anomaly_scan(now=STORED + timedelta(days=340), only=["storage_age"])
    (near,) = _open("storage_age")
    assert near.container == drum
    assert near.evidence["days_in_storage"] == 340
    assert near.evidence["days_left"] == 25
    assert near.severity == "warning"

    services.anomaly_scan(now=STORED + timedelta(days=366), only=["storage_age"])
    (over,) = _open("storage_age")
    assert over.subject.endswith(":over")
    assert over.severity == "serious"
    near.refresh_from_db()
    assert near.status == "resolved"


def test_storage_limit_and_warning_window_are_configurable(waste, enterprise_user_y):
    stored_drum(waste, enterprise_user_y, when=STORED, now=STORED)
    AnomalyRule.objects.filter(code="storage_age").update(
        parameters={"limit_days": 180, "warn_days_before": 10}
    )
    services.anomaly_scan(now=STORED + timedelta(days=171), only=["storage_age"])
    assert _open("storage_age")[0].evidence["limit_days"] == 180


@pytest.mark.parametrize(
    ("received", "warned"),
    [("95", False), ("105", False), ("94.9", True), ("105.1", True)],
)
def test_weight_mismatch_at_the_tolerance_edge(
    waste, enterprise_user_y, received, warned
):
    now = at(2026, 11, 10, 10, 0)
    _received(waste, enterprise_user_y, shipped="100", received=received, now=now)
    services.anomaly_scan(now=now, only=["weight_mismatch"])
    found = _open("weight_mismatch")
    assert bool(found) is warned
    if warned:
        assert found[0].evidence["shipped_kg"] == "100.000"
        assert found[0].evidence["tolerance_percent"] == "5.000"


def test_a_twelve_percent_short_receipt_warns_with_the_evidence(
    waste, enterprise_user_y
):
    now = at(2026, 11, 10, 10, 0)
    manifest = _received(
        waste, enterprise_user_y, shipped="500", received="440", now=now
    )
    services.anomaly_scan(now=now)
    (warning,) = _open("weight_mismatch")
    assert warning.manifest == manifest
    assert warning.receiver == waste.receiver
    assert warning.evidence["difference_percent"] == "-12.000"


def test_dismissed_warning_needs_a_reason_and_is_not_raised_again(
    waste, enterprise_user_y, bureau_admin
):
    now = at(2026, 11, 10, 10, 0)
    _received(waste, enterprise_user_y, shipped="100", received="80", now=now)
    services.anomaly_scan(now=now, only=["weight_mismatch"])
    (warning,) = _open("weight_mismatch")
    with pytest.raises(InvalidInput):
        services.warning_dismiss(warning=warning, user=bureau_admin, reason="")
    with pytest.raises(PermissionDenied):
        services.warning_dismiss(warning=warning, user=enterprise_user_y, reason="x")
    services.warning_dismiss(warning=warning, user=bureau_admin, reason="含水率核实")
    with pytest.raises(Conflict):
        services.warning_dismiss(warning=warning, user=bureau_admin, reason="again")
    services.anomaly_scan(now=now, only=["weight_mismatch"])
    assert _open("weight_mismatch") == []
    assert AnomalyWarning.objects.count() == 1


def test_manifest_in_transit_past_five_working_days_is_overdue(
    waste, enterprise_user_y
):
    picked_up = at(2026, 11, 20, 10, 0)  # Friday; due the next Friday
    drum = stored_drum(waste, enterprise_user_y, when=picked_up - timedelta(days=1))
    shipped_manifest(waste, enterprise_user_y, [drum], now=picked_up)
    services.anomaly_scan(now=at(2026, 11, 27, 18, 0), only=["manifest_overdue"])
    assert _open("manifest_overdue") == []
    services.anomaly_scan(now=at(2026, 11, 28, 9, 0), only=["manifest_overdue"])
    (warning,) = _open("manifest_overdue")
    assert warning.evidence["stage"] == "in_transit"
    assert warning.evidence["due"] == "2026-11-27"


def test_sent_without_ledger_generation_warns(waste, enterprise_user_y):
    now = at(2026, 11, 10, 10, 0)
    manifest = services.manifest_create(
        producer=waste.producer,
        user=enterprise_user_y,
        carrier=waste.carrier,
        receiver=waste.receiver,
        waste_code="900-214-08",
        lines=[{"quantity": "300", "unit": "kg", "packaging": "铁桶"}],
        now=now,
    )
    services.manifest_submit(manifest=manifest, user=enterprise_user_y, now=now)
    services.anomaly_scan(now=now, only=["sent_without_generation"])
    (warning,) = _open("sent_without_generation")
    assert warning.evidence["generated_in_ledger_kg"] == "0.000"
    assert warning.evidence["shipped_on_manifests_kg"] == "300.000"


def test_generated_long_ago_and_never_sent_warns(waste, enterprise_user_y):
    stored_drum(waste, enterprise_user_y, when=STORED, now=STORED)
    services.anomaly_scan(
        now=STORED + timedelta(days=179), only=["generated_never_sent"]
    )
    assert _open("generated_never_sent") == []
    services.anomaly_scan(
        now=STORED + timedelta(days=181), only=["generated_never_sent"]
    )
    (warning,) = _open("generated_never_sent")
    assert warning.evidence["never_sent_kg"] == "200.000"


def _filed_plan(waste, lines, year=2026):
    plan = services.plan_save(producer=waste.producer, year=year, lines=lines)
    return services.plan_file(plan=plan, now=at(year, 3, 1, 9, 0))


def test_transfer_to_a_receiver_outside_the_plan_warns(waste, enterprise_user_y):
    _filed_plan(
        waste,
        [
            {
                "waste_code": "900-214-08",
                "expected_kg": "1000",
                "receiver": waste.other_receiver,
            }
        ],
    )
    now = at(2026, 11, 10, 10, 0)
    drum = stored_drum(waste, enterprise_user_y, when=now - timedelta(days=2), now=now)
    manifest = shipped_manifest(waste, enterprise_user_y, [drum], now=now)
    services.anomaly_scan(now=now, only=["receiver_outside_plan"])
    (warning,) = _open("receiver_outside_plan")
    assert warning.manifest == manifest


def test_plan_deviation_and_inactivity(waste, enterprise_user_y):
    _filed_plan(waste, [{"waste_code": "900-052-31", "expected_kg": "100"}])
    now = at(2026, 11, 10, 10, 0)
    stored_drum(
        waste, enterprise_user_y, kg="400", when=now - timedelta(days=1), now=now
    )
    services.anomaly_scan(now=now, only=["plan_deviation"])
    kinds = {
        w.evidence["waste_code"]: w.evidence["kind"] for w in _open("plan_deviation")
    }
    assert kinds == {"900-214-08": "not_in_plan", "900-052-31": "under_plan"}

    AnomalyRule.objects.filter(code="inactivity").update(parameters={"days": 30})
    waste.producer.__class__.objects.update(created_at=now - timedelta(days=400))
    services.anomaly_scan(now=now + timedelta(days=31), only=["inactivity"])
    assert len(_open("inactivity")) == 1


def test_receiver_over_its_annual_capacity_warns(waste, enterprise_user_y):
    waste.receiver.annual_capacity_kg = Decimal("150")
    waste.receiver.save()
    now = at(2026, 11, 10, 10, 0)
    _received(waste, enterprise_user_y, shipped="200", received="200", now=now)
    services.anomaly_scan(now=now, only=["receiver_over_capacity"])
    (warning,) = _open("receiver_over_capacity")
    assert warning.receiver == waste.receiver
    assert warning.producer is None


def test_unlicensed_or_expired_receiver_on_a_live_manifest_warns(
    waste, enterprise_user_y
):
    now = at(2026, 11, 10, 10, 0)
    drum = stored_drum(waste, enterprise_user_y, when=now - timedelta(days=2), now=now)
    shipped_manifest(waste, enterprise_user_y, [drum], now=now)
    waste.receiver.permitted_codes.clear()
    waste.receiver.permit_valid_until = date(2026, 11, 1)
    waste.receiver.save()
    services.anomaly_scan(
        now=now, only=["receiver_unlicensed", "receiver_permit_expired"]
    )
    assert len(_open("receiver_unlicensed")) == 1
    assert len(_open("receiver_permit_expired")) == 1


def test_disabled_rule_does_not_run(waste, enterprise_user_y):
    AnomalyRule.objects.filter(code="storage_age").update(enabled=False)
    stored_drum(waste, enterprise_user_y, when=STORED, now=STORED)
    services.anomaly_scan(now=STORED + timedelta(days=400))
    assert _open("storage_age") == []
    assert ManagementPlan.objects.count() == 0
