"""Evidence uploads: type from the bytes, size limit, SHA-256 and EXIF, and an
idempotent upload retried three times stores one file."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import IdempotentRequest
from grid.models import TicketAttachment
from grid.services import sniff_content_type
from tests.grid.conftest import jpeg, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def working(api, world, officer_a, open_ticket):
    ticket = open_ticket()
    client = api(officer_a)
    client.post(f"/api/v1/grid/tickets/{ticket.pk}/accept/")
    return ticket, client


def post_file(client, ticket, data, name="photo.jpg", key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/grid/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile(name, data, "image/jpeg")},
        format="multipart",
        **headers,
    )


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"GIF89a\x00\x00", None),
        (b"<html><body>", None),
    ],
)
def test_the_file_type_comes_from_the_magic_bytes(head, kind):
    assert sniff_content_type(head) == kind


def test_a_photo_keeps_its_bytes_hash_and_exif(working, media_root):
    ticket, client = working
    data = jpeg()
    response = post_file(client, ticket, data)
    assert response.status_code == 201, response.data
    assert response.data["sha256"] == hashlib.sha256(data).hexdigest()
    attachment = TicketAttachment.objects.get()
    assert attachment.file.read() == data  # the original bytes, untouched
    assert attachment.file.name.endswith(f"{attachment.sha256}.jpg")
    assert "photo" not in attachment.file.name  # a generated name


def test_the_name_does_not_decide_the_type(working):
    ticket, client = working
    response = post_file(client, ticket, png(), name="photo.jpg")
    assert response.status_code == 201
    assert response.data["content_type"] == "image/png"


def test_a_non_image_is_refused_whatever_its_name(working):
    ticket, client = working
    response = post_file(client, ticket, b"MZ\x90\x00 not a photo", name="photo.jpg")
    assert response.status_code == 400
    assert "file" in response.data["fields"]
    assert TicketAttachment.objects.count() == 0


def test_an_oversized_file_is_refused(working, monkeypatch):
    from grid.services import evidence

    monkeypatch.setattr(evidence, "ATTACHMENT_MAX_BYTES", 1000)
    ticket, client = working
    response = post_file(client, ticket, jpeg() + b"\0" * 2000)
    assert response.status_code == 400
    assert "file" in response.data["fields"]
    assert TicketAttachment.objects.count() == 0


def test_an_idempotent_upload_retried_three_times_stores_one_file(working, media_root):
    ticket, client = working
    data = jpeg(colour=(10, 20, 30))
    answers = [post_file(client, ticket, data, key="upload-1") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.data["id"] for a in answers}) == 1
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert TicketAttachment.objects.count() == 1
    files = [p for p in media_root.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_the_same_key_with_another_request_is_refused(working):
    ticket, client = working
    assert post_file(client, ticket, jpeg(), key="k").status_code == 201
    response = post_file(client, ticket, png(), key="k")
    assert response.status_code == 422
    assert response.data["code"] == "idempotency_key_reused"
    assert TicketAttachment.objects.count() == 1


def test_a_retried_step_is_answered_once_and_not_repeated(
    api, world, officer_a, open_ticket
):
    ticket = open_ticket()
    client = api(officer_a)
    path = f"/api/v1/grid/tickets/{ticket.pk}/accept/"
    first = client.post(path, {"lat": 31.21, "lon": 121.41}, HTTP_IDEMPOTENCY_KEY="a-1")
    again = client.post(path, {"lat": 31.21, "lon": 121.41}, HTTP_IDEMPOTENCY_KEY="a-1")
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert ticket.transitions.filter(action="accept").count() == 1
    assert IdempotentRequest.objects.count() == 1


def test_a_refused_step_is_not_remembered(api, world, officer_a, open_ticket):
    ticket = open_ticket()
    client = api(officer_a)
    path = f"/api/v1/grid/tickets/{ticket.pk}/hand-back/"
    assert client.post(path, {"note": ""}, HTTP_IDEMPOTENCY_KEY="h").status_code == 400
    assert (
        client.post(path, {"note": "退回"}, HTTP_IDEMPOTENCY_KEY="h").status_code == 200
    )
