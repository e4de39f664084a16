"""Evidence files on tickets: the type is read from the bytes (not the name),
the size is limited, the SHA-256 is taken at upload, the EXIF place and time are
read, and the original bytes are kept under a generated, content-addressed name."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from grid.models import Ticket, TicketAttachment, TicketTransition

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "ExifFacts",
    "sniff_content_type",
    "read_exif",
    "attachment_add",
]

logger = logging.getLogger(__name__)
ATTACHMENT_MAX_BYTES = getattr(settings, "TICKET_ATTACHMENT_MAX_BYTES", 10 * 2**20)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}


def sniff_content_type(head: bytes) -> str | None:
    """The file type from its first bytes: JPEG, PNG, WebP, HEIC or PDF."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass(frozen=True)
class ExifFacts:
    taken_at: datetime | None = None
    lon: float | None = None
    lat: float | None = None


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        numerator, denominator = value
        return float(numerator) / float(denominator)


def _gps_degrees(parts, ref) -> float | None:
    if not parts or len(parts) != 3:
        return None
    degrees, minutes, seconds = (_rational(p) for p in parts)
    value = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode(errors="ignore")
    return -value if str(ref).strip().upper() in ("S", "W") else value


def _exif_time(text, offset) -> datetime | None:
    if not text:
        return None
    text = text.decode(errors="ignore") if isinstance(text, bytes) else str(text)
    try:
        naive = datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            sign = -1 if str(offset).startswith("-") else 1
            hours, minutes = str(offset).lstrip("+-").split(":")
            tz = dt_timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
            return naive.replace(tzinfo=tz)
        except ValueError:
            pass
    # EXIF times are the camera's local time; phones here are on Shanghai time.
    return timezone.make_aware(naive, timezone.get_default_timezone())


def read_exif(data: bytes) -> ExifFacts:
    """Place and time from a photo's EXIF, when it has them. Never raises."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            if not exif:
                return ExifFacts()
            details = exif.get_ifd(0x8769)  # Exif sub-IFD
            gps = exif.get_ifd(0x8825)  # GPS IFD
            taken_at = _exif_time(
                details.get(36867) or exif.get(306),  # DateTimeOriginal, DateTime
                details.get(36881),  # OffsetTimeOriginal
            )
            lat = _gps_degrees(gps.get(2), gps.get(1, "N")) if gps else None
            lon = _gps_degrees(gps.get(4), gps.get(3, "E")) if gps else None
            if lat is not None and not -90 <= lat <= 90:
                lat = None
            if lon is not None and not -180 <= lon <= 180:
                lon = None
            return ExifFacts(taken_at=taken_at, lon=lon, lat=lat)
    except Exception:  # noqa: BLE001 - a photo without readable EXIF is still evidence
        logger.debug("no readable EXIF", exc_info=True)
        return ExifFacts()


def _read_limited(upload) -> bytes | None:
    """The upload's bytes, or None when it is larger than the limit."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
        return data if len(data) <= ATTACHMENT_MAX_BYTES else None
    if (getattr(upload, "size", None) or 0) > ATTACHMENT_MAX_BYTES:
        return None
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        total += len(chunk)
        if total > ATTACHMENT_MAX_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@transaction.atomic
def attachment_add(
    *,
    ticket: Ticket,
    upload,
    user=None,
    original_name: str = "",
    transition: TicketTransition | None = None,
) -> TicketAttachment:
    """Store one evidence file on a ticket. Refuses (400, field ``file``) an empty,
    oversized or unrecognised file; stores nothing then."""
    if ticket.status in (
        Ticket.Status.CLOSED,
        Ticket.Status.REJECTED,
        Ticket.Status.MERGED,
    ):
        raise Conflict(
            _("Evidence cannot be added to a ticket that is “%(status)s”.")
            % {"status": ticket.get_status_display()},
            code="illegal_transition",
        )
    data = _read_limited(upload)
    if data is None:
        raise InvalidInput(
            fields={
                "file": [
                    _("The file is larger than %(limit)d MB.")
                    % {"limit": ATTACHMENT_MAX_BYTES // 2**20}
                ]
            }
        )
    if not data:
        raise InvalidInput(fields={"file": [_("The file is empty.")]})
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise InvalidInput(
            fields={"file": [_("Only JPEG, PNG, WebP, HEIC photos or PDF documents.")]}
        )
    facts = read_exif(data) if content_type in PHOTO_TYPES else ExifFacts()
    attachment = TicketAttachment(
        ticket=ticket,
        transition=transition,
        kind=TicketAttachment.Kind.PHOTO
        if content_type in PHOTO_TYPES
        else TicketAttachment.Kind.DOCUMENT,
        content_type=content_type,
        original_name=(original_name or getattr(upload, "name", "") or "")[:200],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        exif_taken_at=facts.taken_at,
        exif_lon=facts.lon,
        exif_lat=facts.lat,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    name = TicketAttachment._meta.get_field("file").upload_to(attachment, "")
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    attachment.file.name = name
    attachment.save()
    return attachment
