"""Writes for inspections: photos (hashed at upload) and the inspection itself."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from enforcement.models import (
    ChecklistItem,
    ChecklistTemplate,
    Enterprise,
    Inspection,
    InspectionAnswer,
    InspectionOfficer,
    InspectionPhoto,
    InspectionPlan,
    PlanTarget,
)
from enforcement.services.health import health_code_request_recompute
from grid.selectors import user_scope

# Sent inside the recording transaction with ``inspection``: apps above
# enforcement act on a visit without enforcement importing them (hazardous
# waste settles the warnings it sent to inspection). Their writes commit or roll
# back with the inspection, and the health-code recompute queued on commit
# already sees them.
inspection_recorded = Signal()

MAX_PHOTO_BYTES = 15 * 2**20
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")


@transaction.atomic
def inspection_photo_upload(*, user, upload, item: ChecklistItem | None = None):
    """Store a photo and its SHA-256. Uploading the same file again (a phone
    retrying) returns the first upload."""
    content_type = getattr(upload, "content_type", "") or ""
    if content_type not in PHOTO_TYPES:
        raise InvalidInput(
            fields={"file": [_("Upload a JPEG, PNG, WebP or HEIC photo.")]}
        )
    if upload.size > MAX_PHOTO_BYTES:
        raise InvalidInput(fields={"file": [_("The photo is larger than 15 MB.")]})
    digest = hashlib.sha256()
    data = bytearray()
    for chunk in upload.chunks():
        digest.update(chunk)
        data.extend(chunk)
    sha256 = digest.hexdigest()
    existing = InspectionPhoto.objects.filter(uploaded_by=user, sha256=sha256).first()
    if existing is not None:
        return existing
    photo = InspectionPhoto(
        sha256=sha256,
        size_bytes=len(data),
        content_type=content_type,
        uploaded_by=user,
        item=item,
    )
    photo.file.save(sha256, ContentFile(bytes(data)), save=False)
    photo.save()
    return photo


def _as_decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _typed_answers(
    *, template: ChecklistTemplate, answers: list[dict], photos: dict[int, object]
) -> tuple[list[InspectionAnswer], dict[int, list[int]], dict]:
    """Check each answer against its item's type; errors are keyed by item code."""
    items = {item.pk: item for item in template.items.all()}
    by_code = {item.code: item for item in items.values()}
    built: list[InspectionAnswer] = []
    photo_items: dict[int, list[int]] = {}
    errors: dict[str, list[str]] = {}
    answered: set[int] = set()
    for raw in answers:
        key = raw.get("item")
        item = items.get(key) if isinstance(key, int) else by_code.get(str(key))
        if item is None:
            errors[str(key)] = [_("This item is not on the checklist.")]
            continue
        if item.pk in answered:
            errors[item.code] = [_("This item is answered twice.")]
            continue
        answered.add(item.pk)
        value = raw.get("value")
        answer = InspectionAnswer(item=item)
        if item.kind == ChecklistItem.Kind.YES_NO:
            if not isinstance(value, bool):
                errors[item.code] = [_("Answer yes or no.")]
                continue
            answer.value_bool = value
            answer.is_compliant = value == item.compliant_answer
        elif item.kind == ChecklistItem.Kind.NUMBER:
            number = _as_decimal(value)
            if number is None:
                errors[item.code] = [_("Enter a number.")]
                continue
            answer.value_number = number
            answer.is_compliant = number <= item.limit_max
        elif item.kind == ChecklistItem.Kind.TEXT:
            if not isinstance(value, str):
                errors[item.code] = [_("Enter text.")]
                continue
            if item.is_required and not value.strip():
                errors[item.code] = [_("This item must be answered.")]
                continue
            answer.value_text = value.strip()
        else:  # photo
            if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value
            ):
                errors[item.code] = [_("Give the ids of the uploaded photos.")]
                continue
            unknown = [v for v in value if v not in photos]
            if unknown:
                errors[item.code] = [_("Unknown photo %(ids)s.") % {"ids": unknown}]
                continue
            if item.is_required and not value:
                errors[item.code] = [_("This item needs at least one photo.")]
                continue
            answer.value_text = ",".join(str(v) for v in value)
            answer.is_compliant = bool(value)
            photo_items[item.pk] = value
        built.append(answer)
    for item in items.values():
        if item.is_required and item.pk not in answered and item.code not in errors:
            errors[item.code] = [_("This item must be answered.")]
    return built, photo_items, errors


def _request_digest(payload: dict) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode()
    ).hexdigest()


def inspection_record(
    *,
    enterprise: Enterprise,
    template: ChecklistTemplate,
    officers: list,
    inspected_on: date,
    result: str,
    recorded_by,
    findings: str = "",
    answers: list[dict] | None = None,
    lon: float | None = None,
    lat: float | None = None,
    photo_ids: list[int] | None = None,
    representative_name: str = "",
    representative_signed_at: datetime | None = None,
    plan_target: PlanTarget | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> tuple[Inspection, bool]:
    """Record an on-site inspection; returns (inspection, created).

    With an ``idempotency_key``, the same request sent again returns the first
    inspection (created False); the same key with other content is a conflict.
    """
    now = now or timezone.now()
    answers = list(answers or [])
    # photos named in a photo item's answer are the inspection's photos too
    in_answers = {
        value
        for answer in answers
        if isinstance(answer.get("value"), list)
        for value in answer["value"]
        if isinstance(value, int) and not isinstance(value, bool)
    }
    photo_ids = sorted(set(photo_ids or []) | in_answers)
    digest = _request_digest(
        {
            "enterprise": enterprise.pk,
            "template": template.pk,
            "officers": sorted(o.pk for o in officers),
            "inspected_on": inspected_on,
            "result": result,
            "findings": findings,
            "answers": answers,
            "lon": lon,
            "lat": lat,
            "photos": photo_ids,
            "representative_name": representative_name,
            "plan_target": plan_target.pk if plan_target else None,
        }
    )
    if idempotency_key:
        existing = _replayed(recorded_by, idempotency_key, digest)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            inspection = _inspection_create(
                enterprise=enterprise,
                template=template,
                officers=officers,
                inspected_on=inspected_on,
                result=result,
                recorded_by=recorded_by,
                findings=findings,
                answers=answers,
                lon=lon,
                lat=lat,
                photo_ids=photo_ids,
                representative_name=representative_name,
                representative_signed_at=representative_signed_at,
                plan_target=plan_target,
                idempotency_key=idempotency_key,
                digest=digest,
                now=now,
            )
    except IntegrityError:
        # the same key arrived twice at once: the other request won
        existing = (
            _replayed(recorded_by, idempotency_key, digest) if idempotency_key else None
        )
        if existing is None:
            raise
        return existing, False
    return inspection, True


def _replayed(user, key: str, digest: str) -> Inspection | None:
    existing = Inspection.objects.filter(recorded_by=user, idempotency_key=key).first()
    if existing is not None and existing.request_sha256 != digest:
        raise Conflict(
            _("This idempotency key was already used for a different inspection."),
            code="idempotency_key_reused",
        )
    return existing


def _inspection_create(
    *,
    enterprise,
    template,
    officers,
    inspected_on,
    result,
    recorded_by,
    findings,
    answers,
    lon,
    lat,
    photo_ids,
    representative_name,
    representative_signed_at,
    plan_target,
    idempotency_key,
    digest,
    now,
) -> Inspection:
    fields: dict = {}
    distinct_officers = {officer.pk: officer for officer in officers}
    if len(distinct_officers) < 2:
        fields["officers"] = [_("A legal inspection needs at least two officers.")]
    else:
        outside = []
        for officer in distinct_officers.values():
            staff = user_scope(user=officer).is_staff_member
            if (
                staff
                and Enterprise.objects.for_user(officer)
                .filter(pk=enterprise.pk)
                .exists()
            ):
                continue
            # an officer by name; anyone else by the id given (an id must not
            # tell who a citizen or an enterprise account is)
            outside.append(
                (officer.get_full_name() or officer.username)
                if staff
                else f"#{officer.pk}"
            )
        if outside:
            fields["officers"] = [
                _("Not an enforcement officer for this enterprise: %(names)s")
                % {"names": ", ".join(outside)}
            ]
    if result not in Inspection.Result.values:
        fields["result"] = [_("Unknown result.")]
    if inspected_on > timezone.localdate(now):
        fields["inspected_on"] = [_("The inspection date is in the future.")]
    if (lon is None) != (lat is None):
        fields["location"] = [_("Give both longitude and latitude, or neither.")]
    elif lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        fields["location"] = [_("The location is not a WGS-84 coordinate.")]
    photos = {
        photo.pk: photo
        for photo in InspectionPhoto.objects.select_for_update().filter(
            pk__in=photo_ids, uploaded_by=recorded_by, inspection__isnull=True
        )
    }
    missing_photos = [pk for pk in photo_ids if pk not in photos]
    if missing_photos:
        fields["photo_ids"] = [
            _("Unknown or already used photos: %(ids)s") % {"ids": missing_photos}
        ]
    built, photo_items, answer_errors = _typed_answers(
        template=template, answers=answers, photos=photos
    )
    if answer_errors:
        fields["answers"] = answer_errors
    elif result == Inspection.Result.COMPLIANT and any(
        answer.is_compliant is False for answer in built
    ):
        fields["result"] = [
            _("Some answers are not compliant; the result cannot be compliant.")
        ]
    if plan_target is not None:
        target = (
            PlanTarget.objects.select_for_update()
            .select_related("plan")
            .get(pk=plan_target.pk)
        )
        if target.enterprise_id != enterprise.pk:
            fields["plan_target"] = [_("The plan target is another enterprise.")]
        elif target.plan.status != InspectionPlan.Status.OPEN:
            fields["plan_target"] = [_("The plan is closed.")]
        elif target.inspection_id is not None:
            fields["plan_target"] = [_("This target was already inspected.")]
    if fields:
        raise InvalidInput(fields=fields)

    inspection = Inspection.objects.create(
        enterprise=enterprise,
        template=template,
        inspected_on=inspected_on,
        result=result,
        findings=findings.strip(),
        lon=lon,
        lat=lat,
        representative_name=representative_name.strip(),
        representative_signed_at=(
            representative_signed_at or now if representative_name.strip() else None
        ),
        recorded_by=recorded_by,
        idempotency_key=idempotency_key,
        request_sha256=digest,
    )
    InspectionOfficer.objects.bulk_create(
        InspectionOfficer(inspection=inspection, officer_id=pk)
        for pk in sorted(distinct_officers)
    )
    for answer in built:
        answer.inspection = inspection
    InspectionAnswer.objects.bulk_create(built)
    item_of_photo = {
        photo_id: item_id for item_id, ids in photo_items.items() for photo_id in ids
    }
    for photo in photos.values():
        photo.inspection = inspection
        photo.item_id = item_of_photo.get(photo.pk, photo.item_id)
    InspectionPhoto.objects.bulk_update(photos.values(), ["inspection", "item"])
    if plan_target is not None:
        PlanTarget.objects.filter(pk=plan_target.pk).update(inspection=inspection)
    inspection_recorded.send(sender=Inspection, inspection=inspection)
    health_code_request_recompute(enterprise_id=enterprise.pk)
    return inspection
