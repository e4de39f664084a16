"""Uploaded evidence (photos, PDFs): checked by content, stored under generated
names, served back as downloads that a browser will not reinterpret.

What a file *is* comes from its first bytes, never from its name or the
Content-Type the client sent. Images are opened with Pillow only far enough to read
their header, so the pixel limit is enforced before any pixel is decoded (a 50 kB
PNG can claim 100,000 x 100,000 pixels: a decompression bomb)."""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf"}
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
EVIDENCE_TYPES = frozenset(EXTENSIONS)
# Pillow's name for each format, to confirm the header parses as what it claims.
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
CHUNK = 64 * 1024


def sniff(head: bytes) -> str | None:
    """The content type that the first bytes prove, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


@dataclass(frozen=True)
class CheckedUpload:
    """What an upload turned out to be; ``sha256`` is kept as evidence of integrity."""

    content_type: str
    extension: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


def _refuse(field: str, message: str):
    raise InvalidInput(fields={field: [message]})


def _image_size(file: IO[bytes], content_type: str, field: str, max_pixels: int):
    from PIL import Image

    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:  # reads the header only
                if image.format != _PILLOW_FORMATS[content_type]:
                    _refuse(field, _("The image is damaged or not what it claims."))
                width, height = image.size
                if width * height > max_pixels:
                    _refuse(
                        field,
                        _("The image has too many pixels (at most %(n)d million).")
                        % {"n": max_pixels // 1_000_000},
                    )
                image.verify()  # structure and checksums, without decoding pixels
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(field, _("The image has too many pixels."))
    except Exception:  # noqa: BLE001 - any parser failure means a bad file
        _refuse(field, _("The image is damaged or not what it claims."))
    return width, height


def upload_check(
    file: IO[bytes],
    *,
    field: str = "file",
    allowed: frozenset[str] = EVIDENCE_TYPES,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> CheckedUpload:
    """Check an uploaded file by its content, size and pixel count.

    Raises ``InvalidInput`` naming ``field``; returns the type proved by the
    content and the SHA-256 of the bytes."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    max_pixels = max_pixels or settings.UPLOAD_MAX_PIXELS
    file.seek(0)
    head = file.read(32)
    content_type = sniff(head)
    if content_type is None or content_type not in allowed:
        names = ", ".join(sorted(EXTENSIONS[t].lstrip(".").upper() for t in allowed))
        _refuse(
            field,
            _("Only these file types are accepted: %(types)s.") % {"types": names},
        )
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    while chunk := file.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            _refuse(
                field,
                _("The file is larger than %(n)d MB.") % {"n": max_bytes // 2**20},
            )
        digest.update(chunk)
    if size == 0:
        _refuse(field, _("The file is empty."))
    width = height = None
    if content_type in IMAGE_TYPES:
        width, height = _image_size(file, content_type, field, max_pixels)
    elif content_type == PDF:
        file.seek(max(0, size - 1024))
        if b"%%EOF" not in file.read():
            _refuse(field, _("The PDF file is incomplete."))
    file.seek(0)
    return CheckedUpload(
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=digest.hexdigest(),
        width=width,
        height=height,
    )


def generated_name(folder: str, extension: str) -> str:
    """A storage name that says nothing the uploader chose: folder/yyyy/mm/uuid.ext."""
    now = timezone.now()
    return f"{folder.strip('/')}/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


@dataclass(frozen=True)
class StoredUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    original_name: str


def upload_store(
    file,
    *,
    folder: str,
    field: str = "file",
    allowed: frozenset[str] = EVIDENCE_TYPES,
    storage: Storage | None = None,
) -> StoredUpload:
    """Check an upload and save it under a generated name; the client's file name
    is returned for display only (it never reaches the file system)."""
    checked = upload_check(file, field=field, allowed=allowed)
    storage = storage or default_storage
    name = storage.save(generated_name(folder, checked.extension), file)
    original = str(getattr(file, "name", "") or "").replace("\\", "/").split("/")[-1]
    return StoredUpload(
        name=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        original_name=original[:200],
    )


def download_response(
    *,
    name: str,
    content_type: str,
    filename: str,
    inline: bool = False,
    storage: Storage | None = None,
) -> FileResponse:
    """Serve a stored file: the type we proved at upload, an attachment by default,
    nosniff, and a sandboxing CSP so a file opened inline runs nothing."""
    storage = storage or default_storage
    response = FileResponse(
        storage.open(name, "rb"),
        content_type=content_type,
        as_attachment=not inline,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_file_response(field_file) -> FileResponse:
    """A model's stored file (evidence, photos) for a view that has already
    checked the user may see its record: the media folder is never served as is."""
    name = field_file.name
    return download_response(
        name=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        filename=name.rsplit("/", 1)[-1],
        storage=field_file.storage,
    )


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is too large before anything reads it.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE is not applied to bodies that DRF's parsers
    stream, and file parts have no overall cap; this answers 413 for both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = (
            settings.UPLOAD_REQUEST_MAX_BYTES
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            message = _("The request is too large (at most %(n)d MB).") % {
                "n": limit // 2**20
            }
            if request.path.startswith("/api/"):
                body = {"detail": message, "code": "too_large", "fields": {}}
                return JsonResponse(body, status=413)
            return HttpResponse(message, status=413, content_type="text/plain")
        return self.get_response(request)
