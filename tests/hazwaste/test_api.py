"""The API end to end: scoping (404 outside), bad input as 400/409 with the
field named, fixed query counts on lists."""

from datetime import timedelta

import pytest

from hazwaste import services
from hazwaste.models import Manifest

from .conftest import at, shipped_manifest, stored_drum

BASE = "/api/v1/hazwaste"


def test_an_enterprise_cannot_read_another_enterprises_ledger(
    api, waste, enterprise_user_y, enterprise_user_x
):
    drum = stored_drum(waste, enterprise_user_y)
    own = api(enterprise_user_y)
    assert own.get(f"{BASE}/containers/{drum.label_code}/").status_code == 200
    assert own.get(f"{BASE}/ledger/").json()["count"] == 2
    other = api(enterprise_user_x)
    assert other.get(f"{BASE}/containers/{drum.label_code}/").status_code == 404
    assert other.get(f"{BASE}/ledger/").json()["count"] == 0
    assert other.get(f"{BASE}/producers/{waste.producer.pk}/").status_code == 404
    assert (
        other.get(f"{BASE}/producers/{waste.producer.pk}/mass-balance/").status_code
        == 404
    )


def test_a_receiver_sees_only_manifests_addressed_to_it(api, waste, enterprise_user_y):
    manifest = shipped_manifest(
        waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)]
    )
    receiver = api(waste.receiver_user).get(f"{BASE}/manifests/").json()
    assert [m["number"] for m in receiver["results"]] == [manifest.number]
    other = api(waste.other_receiver_user)
    assert other.get(f"{BASE}/manifests/").json()["count"] == 0
    assert other.get(f"{BASE}/manifests/{manifest.pk}/").status_code == 404
    # the receiver sees the manifest, not the producer's ledger
    assert api(waste.receiver_user).get(f"{BASE}/ledger/").json()["count"] == 0


def test_bureau_staff_see_producers_in_their_district(
    api, waste, enterprise_user_y, bureau_admin, officer_a, officer_b
):
    stored_drum(waste, enterprise_user_y)
    assert api(bureau_admin).get(f"{BASE}/ledger/").json()["count"] == 2
    # enterprise Y is in street B
    assert api(officer_b).get(f"{BASE}/producers/").json()["count"] == 1
    assert api(officer_a).get(f"{BASE}/producers/").json()["count"] == 0


def test_the_phone_flow_through_the_api(api, waste, enterprise_user_y):
    shop = api(enterprise_user_y)
    created = shop.post(
        f"{BASE}/containers/",
        {"waste_code": "900-214-08", "quantity": "180", "unit": "kg", "kind": "drum"},
    )
    assert created.status_code == 201, created.json()
    label = created.json()["label_code"]
    stored = shop.post(
        f"{BASE}/containers/{label}/store/", {"facility": waste.facility.pk}
    )
    assert stored.json()["status"] == "stored"
    manifest = shop.post(
        f"{BASE}/manifests/",
        {
            "carrier": waste.carrier.pk,
            "receiver": waste.receiver.pk,
            "waste_code": "900-214-08",
            "lines": [{"containers": [label], "packaging": "铁桶"}],
        },
    )
    assert manifest.status_code == 201, manifest.json()
    pk = manifest.json()["id"]
    assert len(manifest.json()["number"]) == 14
    signed = shop.post(f"{BASE}/manifests/{pk}/submit/", {"lon": 121.43, "lat": 31.2})
    assert signed.json()["status"] == "submitted"
    carrier = api(waste.carrier_user)
    moving = carrier.post(f"{BASE}/manifests/{pk}/dispatch/", {"place": "门口"})
    assert moving.json()["status"] == "in_transit"
    received = api(waste.receiver_user).post(
        f"{BASE}/manifests/{pk}/receive/",
        {"lines": [{"position": 1, "received_kg": "158.4"}]},
    )
    assert received.json()["status"] == "received"
    assert [e["role"] for e in received.json()["events"]] == [
        "consignor",
        "carrier",
        "receiver",
    ]


def test_signing_out_of_order_answers_409(api, waste, enterprise_user_y):
    drum = stored_drum(waste, enterprise_user_y)
    manifest = services.manifest_create(
        producer=waste.producer,
        user=enterprise_user_y,
        carrier=waste.carrier,
        receiver=waste.receiver,
        waste_code="900-214-08",
        lines=[{"containers": [drum.label_code], "packaging": "桶"}],
    )
    response = api(waste.carrier_user).post(f"{BASE}/manifests/{manifest.pk}/dispatch/")
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_order"


def test_editing_a_signed_manifest_answers_409_and_a_correction_works(
    api, waste, enterprise_user_y
):
    manifest = shipped_manifest(
        waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)]
    )
    shop = api(enterprise_user_y)
    edit = shop.patch(
        f"{BASE}/manifests/{manifest.pk}/",
        {"lines": [{"quantity": "1", "unit": "kg", "packaging": "桶"}]},
    )
    assert edit.status_code == 409
    assert edit.json()["code"] == "correction_required"
    corrected = shop.post(
        f"{BASE}/manifests/{manifest.pk}/correct/",
        {"reason": "包装写错", "lines": [{"position": 1, "packaging": "塑料桶"}]},
    )
    assert corrected.status_code == 200, corrected.json()
    body = corrected.json()
    assert body["version"] == 2
    assert body["versions"][0]["snapshot"]["lines"][0]["packaging"] == "铁桶"
    assert body["lines"][0]["packaging"] == "塑料桶"


def test_bad_input_names_the_field(api, waste, enterprise_user_y):
    shop = api(enterprise_user_y)
    zero = shop.post(
        f"{BASE}/containers/",
        {"waste_code": "900-214-08", "quantity": "0", "unit": "kg", "kind": "drum"},
    )
    assert zero.status_code == 400
    assert "quantity" in zero.json()["fields"]
    unknown = shop.post(
        f"{BASE}/containers/",
        {"waste_code": "123-456-78", "quantity": "5", "unit": "kg", "kind": "drum"},
    )
    assert unknown.status_code == 400
    assert "waste_code" in unknown.json()["fields"]
    drum = stored_drum(waste, enterprise_user_y, kg="50")
    too_much = shop.post(
        f"{BASE}/containers/{drum.label_code}/release/",
        {"quantity": "60", "unit": "kg"},
    )
    assert too_much.status_code == 400
    assert "quantity" in too_much.json()["fields"]


def test_unlicensed_receiver_answers_400_at_submit(api, waste, enterprise_user_y):
    drum = stored_drum(waste, enterprise_user_y)
    manifest = services.manifest_create(
        producer=waste.producer,
        user=enterprise_user_y,
        carrier=waste.carrier,
        receiver=waste.other_receiver,
        waste_code="900-214-08",
        lines=[{"containers": [drum.label_code], "packaging": "桶"}],
    )
    response = api(enterprise_user_y).post(f"{BASE}/manifests/{manifest.pk}/submit/")
    assert response.status_code == 400
    assert "receiver" in response.json()["fields"]
    assert Manifest.objects.get().status == "draft"


def test_staff_dismiss_a_warning_through_the_api(
    api, waste, enterprise_user_y, bureau_admin
):
    stored = at(2025, 12, 1, 9, 0)
    stored_drum(waste, enterprise_user_y, when=stored, now=stored)
    services.anomaly_scan(now=stored + timedelta(days=340), only=["storage_age"])
    staff = api(bureau_admin)
    (warning,) = staff.get(f"{BASE}/warnings/").json()["results"]
    assert warning["evidence"]["days_in_storage"] == 340
    missing = staff.post(f"{BASE}/warnings/{warning['id']}/dismiss/", {})
    assert missing.status_code == 400
    assert "reason" in missing.json()["fields"]
    done = staff.post(
        f"{BASE}/warnings/{warning['id']}/dismiss/", {"reason": "已预约转移"}
    )
    assert done.json()["status"] == "dismissed"
    assert api(enterprise_user_y).post(
        f"{BASE}/warnings/{warning['id']}/dismiss/", {"reason": "x"}
    ).status_code in (403, 409)


def test_only_bureau_admins_change_rule_parameters(api, waste, bureau_admin, officer_a):
    from hazwaste.models import AnomalyRule

    rule = AnomalyRule.objects.get(code="weight_mismatch")
    url = f"{BASE}/rules/{rule.pk}/"
    payload = {"parameters": {"tolerance_percent": 3}}
    assert api(officer_a).patch(url, payload).status_code == 403
    assert api(bureau_admin).patch(url, payload).status_code == 200
    rule.refresh_from_db()
    assert rule.parameters == {"tolerance_percent": 3}


def test_container_label_qr_is_an_svg_that_opens_the_phone_page(
    api, waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y)
    response = api(enterprise_user_y).get(f"{BASE}/containers/{drum.label_code}/qr/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


@pytest.mark.parametrize(
    "endpoint",
    [
        "manifests",
        "containers",
        "ledger",
        "warnings",
        "producers",
        "receivers",
        "plans",
    ],
)
def test_list_endpoints_use_a_fixed_number_of_queries(
    api, waste, enterprise_user_y, bureau_admin, django_assert_max_num_queries, endpoint
):
    now = at(2026, 11, 10, 10, 0)
    for _n in range(4):
        drum = stored_drum(waste, enterprise_user_y, when=now - timedelta(days=400))
        shipped_manifest(waste, enterprise_user_y, [drum], now=now)
        stored_drum(waste, enterprise_user_y, when=now - timedelta(days=400))
    services.plan_save(
        producer=waste.producer,
        year=2026,
        lines=[{"waste_code": "900-214-08", "expected_kg": "10"}],
    )
    services.anomaly_scan(now=now)
    client = api(bureau_admin)
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_bureau_registers_a_producer_and_the_enterprise_files_its_plan(
    api, world, waste, bureau_admin, enterprise_user_x
):
    register = api(bureau_admin).post(
        f"{BASE}/producers/", {"enterprise": world.enterprise_x.pk}
    )
    assert register.status_code == 201
    assert register.json()["management_class"] == "registration"
    assert (
        api(enterprise_user_x)
        .post(f"{BASE}/producers/", {"enterprise": world.enterprise_x.pk})
        .status_code
        == 403
    )
    shop = api(enterprise_user_x)
    plan = shop.post(
        f"{BASE}/plans/",
        {
            "year": 2026,
            "lines": [
                {
                    "waste_code": "900-041-49",
                    "expected_kg": "50",
                    "receiver": waste.receiver.pk,
                }
            ],
        },
    )
    assert plan.status_code == 201, plan.json()
    filed = shop.post(f"{BASE}/plans/{plan.json()['id']}/file/")
    assert filed.json()["status"] == "filed"
    assert filed.json()["filing_number"]
    again = shop.post(f"{BASE}/plans/{plan.json()['id']}/file/")
    assert again.status_code == 409
    # another enterprise cannot see it
    assert (
        api(waste.receiver_user).get(f"{BASE}/plans/{plan.json()['id']}/").status_code
        == 404
    )


def test_enterprise_submits_its_generated_declaration(api, waste, enterprise_user_y):
    from datetime import date

    from hazwaste.models import Producer

    Producer.objects.filter(pk=waste.producer.pk).update(management_class="key")
    stored_drum(waste, enterprise_user_y, kg="30", when=at(2026, 10, 2, 9, 0))
    services.declarations_generate(period="month", day=date(2026, 10, 5))
    shop = api(enterprise_user_y)
    (declaration,) = shop.get(f"{BASE}/declarations/").json()["results"]
    assert declaration["due_on"] == "2026-11-15"
    submitted = shop.post(f"{BASE}/declarations/{declaration['id']}/submit/")
    assert submitted.json()["status"] == "submitted"
    assert (
        shop.post(f"{BASE}/declarations/{declaration['id']}/submit/").status_code == 409
    )


def test_the_enterprise_file_timeline_lists_its_manifests(
    client, waste, enterprise_user_y, bureau_admin
):
    manifest = shipped_manifest(
        waste, enterprise_user_y, [stored_drum(waste, enterprise_user_y)]
    )
    client.force_login(bureau_admin)
    page = client.get(waste.producer.enterprise.get_absolute_url()).content.decode()
    assert manifest.number in page


def test_staff_turn_a_warning_into_a_grid_ticket_at_the_enterprise(
    api, client, waste, world, enterprise_user_y, bureau_admin
):
    from grid.models import Ticket
    from hazwaste.factors import unsettled_warnings

    stored = at(2025, 12, 1, 9, 0)
    stored_drum(waste, enterprise_user_y, when=stored, now=stored)
    services.anomaly_scan(now=stored + timedelta(days=340), only=["storage_age"])
    staff = api(bureau_admin)
    (warning,) = staff.get(f"{BASE}/warnings/").json()["results"]
    today = (stored + timedelta(days=340)).date()
    assert list(
        unsettled_warnings(as_of=today).values_list("pk", "factor_enterprise")
    ) == [(warning["id"], world.enterprise_y.pk)]

    refused = api(enterprise_user_y).post(f"{BASE}/warnings/{warning['id']}/ticket/")
    assert refused.status_code in (403, 404)
    done = staff.post(
        f"{BASE}/warnings/{warning['id']}/ticket/", {"note": "请核查贮存场所"}
    )
    assert done.status_code == 200, done.json()
    ticket = Ticket.objects.get()
    assert done.json()["status"] == "ticket"
    assert ticket.reference in done.json()["handling_note"]
    assert (ticket.source, ticket.category.code) == ("hazwaste_warning", "waste")
    assert (ticket.enterprise_id, ticket.street_id) == (
        world.enterprise_y.pk,
        world.enterprise_y.street_id,
    )
    # a ticket is not a settlement: the warning still weighs until it is resolved
    assert unsettled_warnings(as_of=today).count() == 1
    again = staff.post(f"{BASE}/warnings/{warning['id']}/ticket/")
    assert again.status_code == 409 and Ticket.objects.count() == 1


def test_a_write_naming_another_enterprises_producer_is_refused_naming_it(
    api, waste, enterprise_user_x
):
    from hazwaste.models import ManagementPlan, StorageFacility

    client = api(enterprise_user_x)
    facility = client.post(
        f"{BASE}/facilities/",
        {
            "producer": waste.producer.pk,
            "name": "借用的危废间",
            "kind": "warehouse",
            "capacity_kg": "10",
        },
        format="json",
    )
    plan = client.post(
        f"{BASE}/plans/",
        {"producer": waste.producer.pk, "year": 2026, "lines": []},
        format="json",
    )
    for response in (facility, plan):
        assert response.status_code == 400
        assert "producer" in response.json()["fields"]
    assert list(StorageFacility.objects.filter(producer=waste.producer)) == [
        waste.facility
    ]
    assert not ManagementPlan.objects.filter(producer=waste.producer).exists()


def test_storage_facilities_are_scoped_like_their_producer(
    api, waste, enterprise_user_y, enterprise_user_x, officer_a, officer_b
):
    from hazwaste.models import StorageFacility

    assert list(StorageFacility.objects.for_user(enterprise_user_y)) == [waste.facility]
    assert not StorageFacility.objects.for_user(enterprise_user_x).exists()
    assert not StorageFacility.objects.for_user(officer_a).exists()  # Y is in B
    assert StorageFacility.objects.for_user(officer_b).exists()
    other = api(enterprise_user_x)
    assert other.get(f"{BASE}/facilities/").json()["count"] == 0
    assert other.get(f"{BASE}/facilities/{waste.facility.pk}/").status_code == 404
    assert api(officer_b).get(f"{BASE}/facilities/").json()["count"] == 1
