"""Uploads are judged by their bytes, kept under names we choose, and served back
as downloads a browser will not run."""

import io
import struct
import zlib
from urllib.parse import urlencode

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import InvalidInput
from core.uploads import (
    IMAGE_TYPES,
    download_response,
    sniff,
    upload_check,
    upload_store,
)


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def field_message(error: InvalidInput, field="file") -> str:
    return " ".join(str(m) for m in error.fields[field])


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_images_are_recognised_by_their_bytes_whatever_their_name(fmt, content_type):
    upload = SimpleUploadedFile("photo.txt", image_bytes(fmt), "text/plain")
    checked = upload_check(upload)
    assert checked.content_type == content_type
    assert (checked.width, checked.height) == (40, 30)
    assert len(checked.sha256) == 64


def test_a_pdf_is_recognised_and_hashed():
    import hashlib

    checked = upload_check(SimpleUploadedFile("a.jpg", PDF_BYTES, "image/jpeg"))
    assert checked.content_type == "application/pdf"
    assert checked.extension == ".pdf"
    assert checked.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"MZ\x90\x00executable",
        b"GIF89a\x01\x00\x01\x00",
    ],
)
def test_files_that_are_not_evidence_types_are_refused_even_named_jpg(payload):
    with pytest.raises(InvalidInput) as error:
        upload_check(SimpleUploadedFile("photo.jpg", payload, "image/jpeg"))
    assert "JPG" in field_message(error.value)


def test_a_jpeg_header_on_garbage_is_refused():
    with pytest.raises(InvalidInput):
        upload_check(SimpleUploadedFile("x.jpg", b"\xff\xd8\xff" + b"\x00" * 500))


def test_a_truncated_pdf_is_refused():
    with pytest.raises(InvalidInput) as error:
        upload_check(SimpleUploadedFile("x.pdf", PDF_BYTES[:60]))
    assert "PDF" in field_message(error.value)


def test_an_image_claiming_ten_billion_pixels_is_refused_without_decoding():
    bomb = png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(InvalidInput) as error:
        upload_check(SimpleUploadedFile("bomb.png", bomb), field="photo")
    assert "photo" in error.value.fields


def test_the_pixel_limit_is_a_setting(settings):
    settings.UPLOAD_MAX_PIXELS = 1000
    with pytest.raises(InvalidInput):
        upload_check(SimpleUploadedFile("a.png", image_bytes("PNG", (50, 50))))


def test_files_over_the_size_limit_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = PDF_BYTES[:-7] + b" " * 2000 + b"\n%%EOF\n"
    with pytest.raises(InvalidInput) as error:
        upload_check(SimpleUploadedFile("big.pdf", big))
    assert "MB" in field_message(error.value)


def test_only_the_allowed_types_pass_when_a_caller_narrows_them():
    with pytest.raises(InvalidInput):
        upload_check(SimpleUploadedFile("a.pdf", PDF_BYTES), allowed=IMAGE_TYPES)


def test_empty_files_are_refused():
    assert sniff(b"") is None
    with pytest.raises(InvalidInput):
        upload_check(SimpleUploadedFile("a.pdf", b""))


def test_stored_files_get_generated_names_not_the_uploaders(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    upload = SimpleUploadedFile("../../etc/passwd.png", image_bytes("PNG"))
    stored = upload_store(upload, folder="evidence", storage=storage)
    assert stored.name.startswith("evidence/")
    assert stored.name.endswith(".png")
    assert "passwd" not in stored.name and ".." not in stored.name
    assert stored.original_name == "passwd.png"
    assert storage.exists(stored.name)
    with storage.open(stored.name) as handle:
        assert handle.read() == image_bytes("PNG")


@pytest.mark.django_db
def test_downloads_are_attachments_with_nosniff_and_a_sandbox(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    stored = upload_store(
        SimpleUploadedFile("现场照片.jpg", image_bytes("JPEG")),
        folder="evidence",
        storage=storage,
    )
    response = download_response(
        name=stored.name,
        content_type=stored.content_type,
        filename=stored.original_name,
        storage=storage,
    )
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == image_bytes("JPEG")
    response.close()


@pytest.mark.django_db
def test_inline_downloads_still_carry_nosniff(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    stored = upload_store(
        SimpleUploadedFile("a.pdf", PDF_BYTES), folder="e", storage=storage
    )
    response = download_response(
        name=stored.name,
        content_type=stored.content_type,
        filename="a.pdf",
        inline=True,
        storage=storage,
    )
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.django_db
def test_an_oversized_json_body_is_refused_with_413_before_parsing(
    settings, world, bureau_officer, api
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/",
        {"name": "x" * 5000},
        format="json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
def test_an_oversized_multipart_request_is_refused_with_413(
    settings, world, bureau_officer, api
):
    settings.UPLOAD_REQUEST_MAX_BYTES = 4096
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/import/",
        {"file": SimpleUploadedFile("a.csv", b"x" * 10_000)},
        format="multipart",
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_an_oversized_form_post_to_a_page_is_refused_with_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/accounts/login/",
        urlencode({"username": "u" * 4000, "password": "p"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
