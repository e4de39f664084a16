from datetime import date
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput, PermissionDenied
from hazwaste import services
from hazwaste.models import Container, LedgerEntry, Manifest, ManifestVersion

from .conftest import at, shipped_manifest, stored_drum

NOW = at(2026, 11, 20, 10, 0)  # a Friday


def _draft(waste, user, containers, code="900-214-08", receiver=None):
    return services.manifest_create(
        producer=waste.producer,
        user=user,
        carrier=waste.carrier,
        receiver=receiver or waste.receiver,
        waste_code=code,
        lines=[{"containers": [c.label_code for c in containers], "packaging": "铁桶"}],
        now=NOW,
    )


def test_manifest_number_is_year_province_city_serial(waste, enterprise_user_y):
    first = _draft(waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)])
    second = _draft(waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)])
    assert first.number == "20263101000001"
    assert second.number == "20263101000002"
    assert len(first.number) == 14


def test_full_lifecycle_records_every_signature_with_who_when_where(
    waste, enterprise_user_y
):
    drums = [stored_drum(waste, enterprise_user_y, kg=k) for k in ("200", "150")]
    manifest = _draft(waste, enterprise_user_y, drums)
    assert manifest.shipped_kg == Decimal("350")
    services.manifest_submit(
        manifest=manifest, user=enterprise_user_y, now=NOW, lon=121.43, lat=31.21
    )
    services.manifest_dispatch(
        manifest=manifest, user=waste.carrier_user, now=NOW, place="厂门口"
    )
    manifest.refresh_from_db()
    # picked up on Friday: five working days later is the next Friday
    assert manifest.receipt_due_on == date(2026, 11, 27)
    assert set(Container.objects.values_list("status", flat=True)) == {"shipped"}
    assert LedgerEntry.objects.filter(kind="sent_out", manifest=manifest).count() == 2
    services.manifest_track(
        manifest=manifest,
        user=waste.carrier_user,
        points=[{"at": NOW, "lon": 121.44, "lat": 31.22}],
    )
    services.manifest_receive(
        manifest=manifest,
        user=waste.receiver_user,
        lines=[{"position": 1, "received_kg": "349", "outcome": "accepted"}],
        now=NOW,
    )
    services.manifest_report_disposal(
        manifest=manifest, user=waste.receiver_user, method="再生利用 R9", now=NOW
    )
    services.manifest_close(manifest=manifest, user=enterprise_user_y, now=NOW)
    manifest.refresh_from_db()
    assert manifest.status == Manifest.Status.CLOSED
    assert manifest.outcome == "accepted"
    events = list(
        manifest.events.values_list("to_status", "role", "signed_by__username")
    )
    assert events == [
        ("submitted", "consignor", "enterprise_y"),
        ("in_transit", "carrier", "carrier"),
        ("received", "receiver", "receiver"),
        ("disposed", "receiver", "receiver"),
        ("closed", "consignor", "enterprise_y"),
    ]
    first = manifest.events.first()
    assert (first.lon, first.lat, first.signed_at) == (121.43, 31.21, NOW)


def test_unlicensed_code_is_refused_at_submit_and_nothing_changes(
    waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y)
    manifest = _draft(waste, enterprise_user_y, [drum], receiver=waste.other_receiver)
    with pytest.raises(InvalidInput) as error:
        services.manifest_submit(manifest=manifest, user=enterprise_user_y, now=NOW)
    assert "900-214-08" in str(error.value.fields["receiver"])
    manifest.refresh_from_db()
    assert manifest.status == "draft"
    assert manifest.events.count() == 0


def test_expired_receiver_permit_is_refused_at_submit(waste, enterprise_user_y):
    waste.receiver.permit_valid_until = date(2026, 6, 30)
    waste.receiver.save()
    manifest = _draft(waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)])
    with pytest.raises(InvalidInput):
        services.manifest_submit(manifest=manifest, user=enterprise_user_y, now=NOW)


def test_signing_out_of_order_is_a_conflict(waste, enterprise_user_y):
    manifest = _draft(waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)])
    with pytest.raises(Conflict) as error:
        services.manifest_dispatch(manifest=manifest, user=waste.carrier_user, now=NOW)
    assert error.value.status_code == 409
    with pytest.raises(Conflict):
        services.manifest_receive(
            manifest=manifest,
            user=waste.receiver_user,
            lines=[{"position": 1, "received_kg": "1"}],
        )
    assert Container.objects.get().status == "stored"


def test_only_the_named_party_signs(waste, enterprise_user_y, enterprise_user_x):
    manifest = _draft(waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)])
    with pytest.raises(PermissionDenied):
        services.manifest_submit(manifest=manifest, user=enterprise_user_x, now=NOW)
    services.manifest_submit(manifest=manifest, user=enterprise_user_y, now=NOW)
    with pytest.raises(PermissionDenied):
        services.manifest_dispatch(manifest=manifest, user=waste.receiver_user, now=NOW)


def test_editing_a_signed_manifest_without_a_correction_is_a_conflict(
    waste, enterprise_user_y
):
    manifest = _draft(waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)])
    services.manifest_submit(manifest=manifest, user=enterprise_user_y, now=NOW)
    with pytest.raises(Conflict) as error:
        services.manifest_update(
            manifest=manifest,
            user=enterprise_user_y,
            lines=[{"quantity": "10", "unit": "kg", "packaging": "桶"}],
        )
    assert error.value.code == "correction_required"


def test_a_correction_keeps_the_original_version(waste, enterprise_user_y):
    drum = stored_drum(waste, enterprise_user_y, kg="200")
    manifest = shipped_manifest(waste, enterprise_user_y, [drum], now=NOW)
    services.manifest_receive(
        manifest=manifest,
        user=waste.receiver_user,
        lines=[{"position": 1, "received_kg": "120", "outcome": "accepted"}],
        now=NOW,
    )
    services.manifest_correct(
        manifest=manifest,
        user=waste.receiver_user,
        reason="地磅读数录错",
        lines=[{"position": 1, "received_kg": "198"}],
        now=NOW,
    )
    manifest.refresh_from_db()
    assert manifest.version == 2
    assert manifest.received_kg == Decimal("198")
    old = ManifestVersion.objects.get(manifest=manifest)
    assert old.version == 1
    assert old.reason == "地磅读数录错"
    assert old.snapshot["received_kg"] == "120.000"
    assert old.snapshot["lines"][0]["received_kg"] == "120.000"
    assert manifest.events.last().note.endswith("地磅读数录错")


def test_a_correction_needs_a_reason(waste, enterprise_user_y):
    manifest = shipped_manifest(
        waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)], now=NOW
    )
    with pytest.raises(InvalidInput) as error:
        services.manifest_correct(
            manifest=manifest,
            user=enterprise_user_y,
            reason=" ",
            lines=[{"position": 1, "packaging": "塑料桶"}],
        )
    assert "reason" in error.value.fields
    assert ManifestVersion.objects.count() == 0


def test_partial_acceptance_per_line_needs_a_note(waste, enterprise_user_y):
    manifest = shipped_manifest(
        waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)], now=NOW
    )
    with pytest.raises(InvalidInput):
        services.manifest_receive(
            manifest=manifest,
            user=waste.receiver_user,
            lines=[{"position": 1, "received_kg": "100", "outcome": "partial"}],
        )
    services.manifest_receive(
        manifest=manifest,
        user=waste.receiver_user,
        lines=[
            {
                "position": 1,
                "received_kg": "100",
                "outcome": "partial",
                "discrepancy_note": "半桶为水",
            }
        ],
    )
    manifest.refresh_from_db()
    assert manifest.outcome == "partial"


def test_a_container_cannot_ride_on_two_open_manifests(waste, enterprise_user_y):
    drum = stored_drum(waste, enterprise_user_y)
    _draft(waste, enterprise_user_y, [drum])
    with pytest.raises(InvalidInput) as error:
        _draft(waste, enterprise_user_y, [drum])
    assert "lines[0].containers" in error.value.fields


def test_manifest_line_in_another_unit_than_its_containers_is_refused(
    waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y)
    with pytest.raises(InvalidInput) as error:
        services.manifest_create(
            producer=waste.producer,
            user=enterprise_user_y,
            carrier=waste.carrier,
            receiver=waste.receiver,
            waste_code="900-214-08",
            lines=[{"containers": [drum.label_code], "unit": "L", "packaging": "桶"}],
        )
    assert "lines[0].unit" in error.value.fields
    assert Manifest.objects.count() == 0
