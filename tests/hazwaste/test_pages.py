from datetime import timedelta

from hazwaste import services
from hazwaste.models import Container, Manifest

from .conftest import at, shipped_manifest, stored_drum


def test_staff_pages_render_with_the_mass_balance_and_warnings(
    client, waste, enterprise_user_y, bureau_admin
):
    now = at(2026, 11, 10, 10, 0)
    drum = stored_drum(waste, enterprise_user_y, kg="500", when=now - timedelta(days=3))
    manifest = shipped_manifest(waste, enterprise_user_y, [drum], now=now)
    services.manifest_receive(
        manifest=manifest,
        user=waste.receiver_user,
        lines=[{"position": 1, "received_kg": "440", "outcome": "accepted"}],
        now=now,
    )
    services.anomaly_scan(now=now)
    client.force_login(bureau_admin)
    overview = client.get(f"/hazwaste/producers/{waste.producer.pk}/?year=2026")
    assert overview.status_code == 200
    assert "900-214-08" in overview.content.decode()
    assert "440" in overview.content.decode()
    for url in (
        "/hazwaste/",
        "/hazwaste/manifests/",
        f"/hazwaste/manifests/{manifest.pk}/",
        "/hazwaste/warnings/",
        "/hazwaste/map/",
        "/",
    ):
        assert client.get(url).status_code == 200, url
    features = client.get("/hazwaste/map/producers.json").json()["features"]
    assert features[0]["level"] == "red"
    warning = manifest.warnings.get()
    page = client.get(f"/hazwaste/warnings/{warning.pk}/").content.decode()
    assert "-12.000" in page
    assert "生成网格工单" in page  # staff may turn it into a grid ticket
    client.post(f"/hazwaste/warnings/{warning.pk}/ticket/", {"note": "核对称重"})
    warning.refresh_from_db()
    assert warning.status == "ticket"
    assert warning.handling_note.endswith("核对称重")


def test_enterprise_records_a_container_on_the_phone_and_prints_its_label(
    client, waste, enterprise_user_y
):
    client.force_login(enterprise_user_y)
    assert client.get("/hazwaste/").url == "/hazwaste/m/"
    response = client.post(
        "/hazwaste/m/",
        {"waste_code": "900-214-08", "quantity": "180", "unit": "kg", "kind": "drum"},
    )
    assert response.status_code == 302
    container = Container.objects.get()
    page = client.get(f"/hazwaste/c/{container.label_code}/")
    assert page.status_code == 200
    client.post(
        f"/hazwaste/c/{container.label_code}/",
        {"step": "store", "facility": waste.facility.pk},
    )
    container.refresh_from_db()
    assert container.status == "stored"
    label = client.get(f"/hazwaste/c/{container.label_code}/label/").content.decode()
    assert "<svg" in label and container.label_code in label


def test_another_enterprise_cannot_open_the_container_page(
    client, waste, enterprise_user_y, enterprise_user_x
):
    drum = stored_drum(waste, enterprise_user_y)
    client.force_login(enterprise_user_x)
    assert client.get(f"/hazwaste/c/{drum.label_code}/").status_code == 404
    assert client.get("/hazwaste/warnings/").status_code == 403


def test_carrier_and_receiver_sign_on_their_phone_pages(
    client, waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y, kg="100")
    manifest = services.manifest_create(
        producer=waste.producer,
        user=enterprise_user_y,
        carrier=waste.carrier,
        receiver=waste.receiver,
        waste_code="900-214-08",
        lines=[{"containers": [drum.label_code], "packaging": "桶"}],
    )
    url = f"/hazwaste/manifests/{manifest.pk}/"
    client.force_login(enterprise_user_y)
    client.post(url, {"step": "submit", "lon": "121.43", "lat": "31.21"})
    client.force_login(waste.carrier_user)
    assert 'value="dispatch"' in client.get(url).content.decode()
    client.post(url, {"step": "dispatch", "place": "厂门口"})
    client.force_login(waste.receiver_user)
    client.post(
        url,
        {"step": "receive", "received_1": "99.5", "outcome_1": "accepted"},
    )
    manifest.refresh_from_db()
    assert manifest.status == Manifest.Status.RECEIVED
    assert list(manifest.events.values_list("place", flat=True)) == ["", "厂门口", ""]
    # a signature out of order shows a message and changes nothing
    client.post(url, {"step": "receive", "received_1": "1"})
    manifest.refresh_from_db()
    assert manifest.received_kg == 99.5
