"""Electronic transfer manifests: numbering, lines, the signature chain
(consignor → carrier → receiver → disposal → closed) and corrections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from hazwaste.calendar import add_working_days
from hazwaste.models import (
    MASS_UNITS,
    Carrier,
    Container,
    Manifest,
    ManifestEvent,
    ManifestLine,
    ManifestSerial,
    ManifestVersion,
    Producer,
    Receiver,
    TrackPoint,
    Unit,
    Vehicle,
)
from hazwaste.services.access import require_account
from hazwaste.services.catalogue import waste_code_resolve
from hazwaste.services.ledger import containers_send_out

Status = Manifest.Status
Role = ManifestEvent.Role
OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED)
# The receiver confirms within 5 working days (危险废物转移管理办法, 2022).
RECEIPT_WORKING_DAYS = 5
CORRECTABLE_LINE_FIELDS = (
    "quantity",
    "unit",
    "weight_kg",
    "container_count",
    "packaging",
    "physical_form",
    "characteristics",
    "received_kg",
    "outcome",
    "discrepancy_note",
)


def manifest_region() -> str:
    """Province (2) + city (2) of the numbering authority; Shanghai is 3101."""
    return getattr(settings, "HAZWASTE_MANIFEST_REGION", "3101")


def _next_number(now: datetime) -> str:
    """year(4) + province(2) + city(2) + serial(6), serial per year and region."""
    year, region = timezone.localtime(now).year, manifest_region()
    serial, _created = ManifestSerial.objects.select_for_update().get_or_create(
        year=year, region=region
    )
    serial.last += 1
    if serial.last > 999_999:
        raise Conflict(_("The manifest numbers of this year are used up."))
    serial.save(update_fields=["last"])
    return f"{year:04d}{region}{serial.last:06d}"


def _decimal(value, field: str, *, allow_zero: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(fields={field: [_("Enter a number.")]})
    if number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(
            fields={
                field: [
                    _("The quantity cannot be negative.")
                    if allow_zero
                    else _("The quantity must be greater than zero.")
                ]
            }
        )
    return number


def _build_lines(
    *, manifest: Manifest, lines: list[dict], producer: Producer
) -> list[tuple[ManifestLine, list[Container]]]:
    if not lines:
        raise InvalidInput(fields={"lines": [_("A manifest needs at least one line.")]})
    built = []
    taken: set[int] = set()
    for index, data in enumerate(lines):
        field = f"lines[{index}]"
        labels = [str(label).strip() for label in data.get("containers") or []]
        containers = list(
            Container.objects.select_for_update().filter(
                producer=producer, label_code__in=labels
            )
        )
        found = {c.label_code for c in containers}
        missing = [label for label in labels if label not in found]
        if missing:
            raise InvalidInput(
                fields={
                    f"{field}.containers": [
                        _("Not your container: %(labels)s")
                        % {"labels": ", ".join(missing)}
                    ]
                }
            )
        unit = data.get("unit") or (containers[0].unit if containers else "")
        if unit not in Unit.values:
            raise InvalidInput(fields={f"{field}.unit": [_("Unknown unit.")]})
        busy = set(
            ManifestLine.objects.filter(
                containers__in=containers, manifest__status__in=OPEN_STATUSES
            )
            .exclude(manifest=manifest if manifest.pk else None)
            .values_list("containers__label_code", flat=True)
        )
        for container in containers:
            if container.waste_code.code != manifest.waste_code.code:
                raise InvalidInput(
                    fields={
                        f"{field}.containers": [
                            _("Container %(label)s holds another waste code.")
                            % {"label": container.label_code}
                        ]
                    }
                )
            if container.unit != unit:
                raise InvalidInput(
                    fields={
                        f"{field}.unit": [
                            _("Unit mismatch: container %(label)s is in %(unit)s.")
                            % {"label": container.label_code, "unit": container.unit}
                        ]
                    }
                )
            if container.status == Container.Status.SHIPPED:
                raise InvalidInput(
                    fields={
                        f"{field}.containers": [
                            _("Container %(label)s was already sent out.")
                            % {"label": container.label_code}
                        ]
                    }
                )
            if container.label_code in busy or container.pk in taken:
                raise InvalidInput(
                    fields={
                        f"{field}.containers": [
                            _("Container %(label)s is on another open manifest.")
                            % {"label": container.label_code}
                        ]
                    }
                )
            taken.add(container.pk)
        if containers:
            stock_kg = sum((c.stock_kg for c in containers), Decimal("0"))
            stock = sum(
                (c.stock_kg * c.quantity / c.quantity_kg for c in containers),
                Decimal("0"),
            ).quantize(Decimal("0.001"))
            quantity = (
                _decimal(data["quantity"], f"{field}.quantity")
                if data.get("quantity") not in (None, "")
                else stock
            )
            if quantity != stock:
                raise InvalidInput(
                    fields={
                        f"{field}.quantity": [
                            _("The containers hold %(stock)s %(unit)s.")
                            % {"stock": stock, "unit": unit}
                        ]
                    }
                )
            kg = stock_kg
        else:
            quantity = _decimal(data.get("quantity"), f"{field}.quantity")
            if unit in MASS_UNITS:
                kg = quantity * MASS_UNITS[unit]
            else:
                kg = _decimal(data.get("weight_kg"), f"{field}.weight_kg")
        form = data.get("physical_form") or ManifestLine.Form.SOLID
        if form not in ManifestLine.Form.values:
            raise InvalidInput(fields={f"{field}.physical_form": [_("Unknown form.")]})
        line = ManifestLine(
            manifest=manifest,
            position=index + 1,
            waste_code=manifest.waste_code,
            quantity=quantity,
            unit=unit,
            quantity_kg=kg,
            container_count=data.get("container_count") or max(len(containers), 1),
            packaging=str(data.get("packaging") or "").strip()
            or (containers[0].get_kind_display() if containers else ""),
            physical_form=form,
            characteristics=str(data.get("characteristics") or "").strip()
            or manifest.waste_code.characteristics,
        )
        if not line.packaging:
            raise InvalidInput(
                fields={f"{field}.packaging": [_("Say how the waste is packed.")]}
            )
        built.append((line, containers))
    return built


def _save_lines(manifest: Manifest, built) -> None:
    manifest.lines.all().delete()
    ManifestLine.objects.bulk_create([line for line, _containers in built])
    for line, containers in built:
        if containers:
            line.containers.set(containers)
    manifest.shipped_kg = sum((line.quantity_kg for line, _c in built), Decimal("0"))


def _check_parties(*, carrier: Carrier, receiver: Receiver | None, vehicle) -> None:
    if vehicle is not None and vehicle.carrier_id != carrier.pk:
        raise InvalidInput(fields={"vehicle": [_("The vehicle is not the carrier's.")]})


@transaction.atomic
def manifest_create(
    *,
    producer: Producer,
    user,
    carrier: Carrier,
    receiver: Receiver,
    waste_code: str,
    lines: list[dict],
    vehicle: Vehicle | None = None,
    planned_at: datetime | None = None,
    now: datetime | None = None,
) -> Manifest:
    """A draft manifest for one trip of one waste type, numbered at once."""
    require_account(user=user, enterprise_id=producer.enterprise_id)
    now = now or timezone.now()
    code = waste_code_resolve(code=waste_code, on=timezone.localtime(now).date())
    _check_parties(carrier=carrier, receiver=receiver, vehicle=vehicle)
    manifest = Manifest(
        producer=producer,
        carrier=carrier,
        receiver=receiver,
        vehicle=vehicle,
        waste_code=code,
        planned_at=planned_at,
        created_by=user,
    )
    built = _build_lines(manifest=manifest, lines=lines, producer=producer)
    manifest.number = _next_number(now)
    manifest.save()
    for line, _containers in built:
        line.manifest = manifest
    _save_lines(manifest, built)
    manifest.save(update_fields=["shipped_kg"])
    return manifest


def _lock(
    manifest: Manifest,
    *,
    user=None,
    party: str | None = None,
    related=("producer", "carrier", "receiver", "waste_code"),
) -> Manifest:
    """Lock the row; with ``party`` ("producer", "carrier", "receiver") also check,
    in the same query, that the user speaks for that party (403 otherwise)."""
    queryset = Manifest.objects.select_for_update(of=("self",)).select_related(*related)
    if party is None:
        return queryset.get(pk=manifest.pk)
    from enforcement.models import EnterpriseAccount

    locked = queryset.annotate(
        is_party=Exists(
            EnterpriseAccount.objects.filter(
                user_id=user.pk, enterprise_id=OuterRef(f"{party}__enterprise_id")
            )
        )
    ).get(pk=manifest.pk)
    if not (locked.is_party or user.is_superuser):
        raise PermissionDenied(_("Only the enterprise's own accounts can do this."))
    return locked


@transaction.atomic
def manifest_update(
    *,
    manifest: Manifest,
    user,
    lines: list[dict] | None = None,
    vehicle: Vehicle | None = None,
    planned_at: datetime | None = None,
) -> Manifest:
    """Edit a draft. Once the consignor has signed, only a correction may
    change it (409)."""
    manifest = _lock(manifest, user=user, party="producer")
    if manifest.status != Status.DRAFT:
        raise Conflict(
            _("The manifest is signed; change it with a correction and a reason."),
            code="correction_required",
        )
    if vehicle is not None:
        _check_parties(
            carrier=manifest.carrier, receiver=manifest.receiver, vehicle=vehicle
        )
        manifest.vehicle = vehicle
    if planned_at is not None:
        manifest.planned_at = planned_at
    if lines is not None:
        _save_lines(
            manifest,
            _build_lines(manifest=manifest, lines=lines, producer=manifest.producer),
        )
    manifest.save()
    return manifest


def _sign(
    manifest: Manifest,
    *,
    to_status: str,
    role: str,
    user,
    now: datetime,
    lon=None,
    lat=None,
    place: str = "",
    note: str = "",
) -> ManifestEvent:
    if lon is not None and not -180 <= float(lon) <= 180:
        raise InvalidInput(fields={"lon": [_("Longitude out of range.")]})
    if lat is not None and not -90 <= float(lat) <= 90:
        raise InvalidInput(fields={"lat": [_("Latitude out of range.")]})
    event = ManifestEvent.objects.create(
        manifest=manifest,
        version=manifest.version,
        from_status=manifest.status,
        to_status=to_status,
        role=role,
        signed_by=user,
        signed_at=now,
        lon=lon,
        lat=lat,
        place=place.strip(),
        note=note.strip(),
    )
    manifest.status = to_status
    return event


def _expect(manifest: Manifest, status: str) -> None:
    if manifest.status != status:
        raise Conflict(
            _(
                "Out of order: the manifest is %(current)s; this signature needs "
                "it %(expected)s."
            )
            % {
                "current": Status(manifest.status).label,
                "expected": Status(status).label,
            },
            code="out_of_order",
        )


@transaction.atomic
def manifest_submit(
    *, manifest: Manifest, user, now: datetime | None = None, **where
) -> Manifest:
    """The consignor signs: the receiver must hold a valid permit for the code."""
    now = now or timezone.now()
    manifest = _lock(manifest, user=user, party="producer")
    _expect(manifest, Status.DRAFT)
    today = timezone.localtime(now).date()
    receiver = manifest.receiver
    if not receiver.permit_valid_from <= today <= receiver.permit_valid_until:
        raise InvalidInput(
            fields={
                "receiver": [
                    _("The receiver's permit %(permit)s is not valid today.")
                    % {"permit": receiver.permit_number}
                ]
            }
        )
    if not receiver.permitted_codes.filter(code=manifest.waste_code.code).exists():
        raise InvalidInput(
            fields={
                "receiver": [
                    _("The receiver is not licensed for waste code %(code)s.")
                    % {"code": manifest.waste_code.code}
                ]
            }
        )
    if manifest.carrier.licence_valid_until < today:
        raise InvalidInput(fields={"carrier": [_("The carrier's licence expired.")]})
    _sign(
        manifest,
        to_status=Status.SUBMITTED,
        role=Role.CONSIGNOR,
        user=user,
        now=now,
        **where,
    )
    manifest.submitted_at = now
    manifest.save(update_fields=["status", "submitted_at", "updated_at"])
    return manifest


@transaction.atomic
def manifest_dispatch(
    *,
    manifest: Manifest,
    user,
    vehicle: Vehicle | None = None,
    now: datetime | None = None,
    **where,
) -> Manifest:
    """The carrier signs at pick-up: the containers leave the producer's ledger
    and the receiver's 5-working-day clock starts."""
    now = now or timezone.now()
    manifest = _lock(manifest, user=user, party="carrier", related=("carrier",))
    _expect(manifest, Status.SUBMITTED)
    if vehicle is not None:
        _check_parties(carrier=manifest.carrier, receiver=None, vehicle=vehicle)
        manifest.vehicle = vehicle
    containers = list(
        Container.objects.select_for_update()
        .filter(
            pk__in=ManifestLine.containers.through.objects.filter(
                manifestline__manifest=manifest
            ).values("container_id")
        )
        .order_by("pk")
    )
    containers_send_out(containers=containers, manifest=manifest, user=user, moment=now)
    _sign(
        manifest,
        to_status=Status.IN_TRANSIT,
        role=Role.CARRIER,
        user=user,
        now=now,
        **where,
    )
    manifest.dispatched_at = now
    manifest.receipt_due_on = add_working_days(
        timezone.localtime(now).date(), RECEIPT_WORKING_DAYS
    )
    manifest.save(
        update_fields=[
            "status",
            "vehicle",
            "dispatched_at",
            "receipt_due_on",
            "updated_at",
        ]
    )
    return manifest


@transaction.atomic
def manifest_track(*, manifest: Manifest, user, points: list[dict]) -> int:
    """Track points reported by the carrier while in transit."""
    manifest = _lock(manifest, user=user, party="carrier")
    _expect(manifest, Status.IN_TRANSIT)
    rows = []
    for index, point in enumerate(points):
        lon, lat = float(point["lon"]), float(point["lat"])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput(
                fields={f"points[{index}]": [_("Position out of range.")]}
            )
        rows.append(TrackPoint(manifest=manifest, at=point["at"], lon=lon, lat=lat))
    TrackPoint.objects.bulk_create(rows)
    return len(rows)


def _outcome(outcomes: list[str]) -> str:
    if all(o == Manifest.Outcome.ACCEPTED for o in outcomes):
        return Manifest.Outcome.ACCEPTED
    if all(o == Manifest.Outcome.REFUSED for o in outcomes):
        return Manifest.Outcome.REFUSED
    return Manifest.Outcome.PARTIAL


def _apply_receipt(manifest: Manifest, lines_by_position, receipts: list[dict]) -> None:
    seen = set()
    for index, receipt in enumerate(receipts):
        field = f"lines[{index}]"
        line = lines_by_position.get(receipt.get("position"))
        if line is None:
            raise InvalidInput(fields={f"{field}.position": [_("No such line.")]})
        seen.add(line.position)
        line.received_kg = _decimal(
            receipt.get("received_kg"), f"{field}.received_kg", allow_zero=True
        )
        outcome = receipt.get("outcome") or Manifest.Outcome.ACCEPTED
        if outcome not in Manifest.Outcome.values:
            raise InvalidInput(fields={f"{field}.outcome": [_("Unknown outcome.")]})
        note = str(receipt.get("discrepancy_note") or "").strip()
        if outcome != Manifest.Outcome.ACCEPTED and not note:
            raise InvalidInput(
                fields={
                    f"{field}.discrepancy_note": [
                        _("Say why the line is not fully accepted.")
                    ]
                }
            )
        line.outcome, line.discrepancy_note = outcome, note
    if seen != set(lines_by_position):
        raise InvalidInput(fields={"lines": [_("Weigh every line of the manifest.")]})
    lines = list(lines_by_position.values())
    ManifestLine.objects.bulk_update(
        lines, ["received_kg", "outcome", "discrepancy_note"]
    )
    manifest.received_kg = sum((line.received_kg for line in lines), Decimal("0"))
    manifest.outcome = _outcome([line.outcome for line in lines])


@transaction.atomic
def manifest_receive(
    *,
    manifest: Manifest,
    user,
    lines: list[dict],
    now: datetime | None = None,
    **where,
) -> Manifest:
    """The receiver weighs every line and accepts, partly accepts or refuses."""
    now = now or timezone.now()
    manifest = _lock(manifest, user=user, party="receiver", related=())
    _expect(manifest, Status.IN_TRANSIT)
    _apply_receipt(
        manifest, {line.position: line for line in manifest.lines.all()}, lines
    )
    _sign(
        manifest,
        to_status=Status.RECEIVED,
        role=Role.RECEIVER,
        user=user,
        now=now,
        **where,
    )
    manifest.received_at = now
    manifest.save(
        update_fields=["status", "received_kg", "outcome", "received_at", "updated_at"]
    )
    return manifest


@transaction.atomic
def manifest_report_disposal(
    *, manifest: Manifest, user, method: str, now: datetime | None = None, **where
) -> Manifest:
    """The receiver reports how the waste was utilised or disposed of."""
    now = now or timezone.now()
    manifest = _lock(manifest, user=user, party="receiver")
    _expect(manifest, Status.RECEIVED)
    if not (method or "").strip():
        raise InvalidInput(
            fields={"method": [_("Name the utilisation or disposal method.")]}
        )
    manifest.disposal_method = method.strip()
    _sign(
        manifest,
        to_status=Status.DISPOSED,
        role=Role.RECEIVER,
        user=user,
        now=now,
        **where,
    )
    manifest.disposed_at = now
    manifest.save()
    return manifest


@transaction.atomic
def manifest_close(
    *, manifest: Manifest, user, now: datetime | None = None, **where
) -> Manifest:
    """The consignor confirms the loop is complete."""
    now = now or timezone.now()
    manifest = _lock(manifest, user=user, party="producer")
    _expect(manifest, Status.DISPOSED)
    _sign(
        manifest,
        to_status=Status.CLOSED,
        role=Role.CONSIGNOR,
        user=user,
        now=now,
        **where,
    )
    manifest.closed_at = now
    manifest.save()
    return manifest


@transaction.atomic
def manifest_cancel(
    *, manifest: Manifest, user, reason: str, now: datetime | None = None
) -> Manifest:
    """The consignor withdraws a manifest nobody has picked up."""
    now = now or timezone.now()
    manifest = _lock(manifest, user=user, party="producer")
    if manifest.status not in OPEN_STATUSES:
        raise Conflict(_("Only a manifest not yet picked up can be cancelled."))
    if not (reason or "").strip():
        raise InvalidInput(fields={"reason": [_("Give a reason.")]})
    _sign(
        manifest,
        to_status=Status.CANCELLED,
        role=Role.CONSIGNOR,
        user=user,
        now=now,
        note=reason,
    )
    manifest.save()
    return manifest


def manifest_snapshot(manifest: Manifest) -> dict:
    """The content of one version, as kept when it is corrected."""
    return {
        "number": manifest.number,
        "version": manifest.version,
        "status": manifest.status,
        "waste_code": manifest.waste_code.code,
        "carrier": manifest.carrier_id,
        "receiver": manifest.receiver_id,
        "vehicle": manifest.vehicle.plate if manifest.vehicle_id else "",
        "shipped_kg": str(manifest.shipped_kg),
        "received_kg": None
        if manifest.received_kg is None
        else str(manifest.received_kg),
        "outcome": manifest.outcome,
        "disposal_method": manifest.disposal_method,
        "lines": [
            {
                "position": line.position,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "quantity_kg": str(line.quantity_kg),
                "container_count": line.container_count,
                "packaging": line.packaging,
                "physical_form": line.physical_form,
                "characteristics": line.characteristics,
                "received_kg": None
                if line.received_kg is None
                else str(line.received_kg),
                "outcome": line.outcome,
                "discrepancy_note": line.discrepancy_note,
            }
            for line in manifest.lines.all()
        ],
    }


def _party_role(manifest: Manifest, user) -> str:
    from enforcement.models import EnterpriseAccount

    own = set(
        EnterpriseAccount.objects.filter(user_id=user.pk).values_list(
            "enterprise_id", flat=True
        )
    )
    if manifest.producer.enterprise_id in own:
        return Role.CONSIGNOR
    if manifest.receiver.enterprise_id in own:
        return Role.RECEIVER
    if manifest.carrier.enterprise_id in own:
        return Role.CARRIER
    raise PermissionDenied(_("Only a party to the manifest can correct it."))


@transaction.atomic
def manifest_correct(
    *,
    manifest: Manifest,
    user,
    reason: str,
    lines: list[dict] | None = None,
    disposal_method: str | None = None,
    now: datetime | None = None,
) -> Manifest:
    """Correct a signed manifest: the current content is kept as a version with
    the reason, then the changes apply and the version number goes up. Line
    changes name the line by ``position``."""
    now = now or timezone.now()
    manifest = _lock(manifest)
    role = _party_role(manifest, user)
    if manifest.status in (Status.DRAFT, Status.CANCELLED):
        raise Conflict(
            _("Only a signed manifest is corrected; edit the draft instead.")
        )
    if not (reason or "").strip():
        raise InvalidInput(
            fields={"reason": [_("Give the reason for the correction.")]}
        )
    if not lines and disposal_method is None:
        raise InvalidInput(fields={"lines": [_("Nothing to correct.")]})
    ManifestVersion.objects.create(
        manifest=manifest,
        version=manifest.version,
        snapshot=manifest_snapshot(manifest),
        reason=reason.strip(),
        corrected_by=user,
        corrected_at=now,
    )
    by_position = {line.position: line for line in manifest.lines.all()}
    receipts = []
    for index, change in enumerate(lines or []):
        field = f"lines[{index}]"
        line = by_position.get(change.get("position"))
        if line is None:
            raise InvalidInput(fields={f"{field}.position": [_("No such line.")]})
        unknown = set(change) - set(CORRECTABLE_LINE_FIELDS) - {"position"}
        if unknown:
            raise InvalidInput(
                fields={
                    f"{field}.{name}": [_("This field cannot be corrected.")]
                    for name in unknown
                }
            )
        if "unit" in change and change["unit"] != line.unit:
            raise InvalidInput(
                fields={
                    f"{field}.unit": [
                        _("Unit mismatch: the line is in %(unit)s.")
                        % {"unit": line.unit}
                    ]
                }
            )
        if "quantity" in change:
            line.quantity = _decimal(change["quantity"], f"{field}.quantity")
            if line.unit in MASS_UNITS:
                line.quantity_kg = line.quantity * MASS_UNITS[line.unit]
        if "weight_kg" in change:
            line.quantity_kg = _decimal(change["weight_kg"], f"{field}.weight_kg")
        for name in ("packaging", "characteristics"):
            if name in change:
                setattr(line, name, str(change[name]).strip())
        if "physical_form" in change:
            if change["physical_form"] not in ManifestLine.Form.values:
                raise InvalidInput(
                    fields={f"{field}.physical_form": [_("Unknown form.")]}
                )
            line.physical_form = change["physical_form"]
        if "container_count" in change:
            line.container_count = int(change["container_count"])
        if {"received_kg", "outcome", "discrepancy_note"} & set(change):
            receipts.append(
                {
                    "position": line.position,
                    "received_kg": change.get("received_kg", line.received_kg),
                    "outcome": change.get("outcome", line.outcome),
                    "discrepancy_note": change.get(
                        "discrepancy_note", line.discrepancy_note
                    ),
                }
            )
    ManifestLine.objects.bulk_update(
        list(by_position.values()),
        [
            "quantity",
            "quantity_kg",
            "packaging",
            "characteristics",
            "physical_form",
            "container_count",
        ],
    )
    manifest.shipped_kg = sum(
        (line.quantity_kg for line in by_position.values()), Decimal("0")
    )
    if receipts:
        if manifest.received_at is None:
            raise Conflict(_("The manifest has not been weighed yet."))
        merged = {r["position"]: r for r in receipts}
        _apply_receipt(
            manifest,
            by_position,
            [
                merged.get(
                    position,
                    {
                        "position": position,
                        "received_kg": line.received_kg,
                        "outcome": line.outcome,
                        "discrepancy_note": line.discrepancy_note,
                    },
                )
                for position, line in by_position.items()
            ],
        )
    if disposal_method is not None:
        if manifest.disposed_at is None:
            raise Conflict(_("No disposal has been reported yet."))
        manifest.disposal_method = disposal_method.strip()
    manifest.version += 1
    ManifestEvent.objects.create(
        manifest=manifest,
        version=manifest.version,
        from_status=manifest.status,
        to_status=manifest.status,
        role=role,
        signed_by=user,
        signed_at=now,
        note=_("Correction: %(reason)s") % {"reason": reason.strip()},
    )
    manifest.save()
    return manifest
