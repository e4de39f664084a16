"""The container ledger: generation, into storage, out of storage; sending out
happens when the carrier signs the manifest (services.manifests)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from hazwaste.models import (
    MASS_UNITS,
    Container,
    LedgerEntry,
    Producer,
    StorageFacility,
    Unit,
)
from hazwaste.services.access import require_account
from hazwaste.services.catalogue import waste_code_resolve

CLOCK_SKEW = timedelta(minutes=5)
ZERO = Decimal("0")


def _positive(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(fields={field: [_("Enter a number.")]})
    if number <= 0:
        raise InvalidInput(
            fields={field: [_("The quantity must be greater than zero.")]}
        )
    return number


def _when(value: datetime | None, now: datetime, *, not_before=None) -> datetime:
    moment = value or now
    if moment > now + CLOCK_SKEW:
        raise InvalidInput(fields={"occurred_at": [_("The time is in the future.")]})
    if not_before is not None and moment < not_before:
        raise InvalidInput(
            fields={"occurred_at": [_("The time is before the container's last step.")]}
        )
    return moment


def _kg_per_unit(container: Container) -> Decimal:
    return container.quantity_kg / container.quantity


def _entry(container: Container, *, kind, moment, quantity, kg, user, handler, **extra):
    return LedgerEntry(
        producer_id=container.producer_id,
        container=container,
        waste_code_id=container.waste_code_id,
        kind=kind,
        occurred_at=moment,
        quantity=quantity,
        unit=container.unit,
        quantity_kg=kg,
        batch_code=container.batch_code,
        handler=handler or (user.get_full_name() or user.username if user else ""),
        recorded_by=user,
        **extra,
    )


@transaction.atomic
def container_generate(
    *,
    producer: Producer,
    user,
    waste_code: str,
    quantity,
    unit: str,
    kind: str,
    weight_kg=None,
    batch_code: str = "",
    handler: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Container:
    """Record a new container at generation. Mass units convert to kg; litres
    and pieces need the container's weighed ``weight_kg``."""
    require_account(user=user, enterprise_id=producer.enterprise_id)
    now = now or timezone.now()
    moment = _when(occurred_at, now)
    code = waste_code_resolve(code=waste_code, on=timezone.localtime(moment).date())
    quantity = _positive(quantity, "quantity")
    if unit not in Unit.values:
        raise InvalidInput(fields={"unit": [_("Unknown unit.")]})
    if kind not in Container.Kind.values:
        raise InvalidInput(fields={"kind": [_("Unknown container type.")]})
    if unit in MASS_UNITS:
        kg = quantity * MASS_UNITS[unit]
        if weight_kg not in (None, "") and _positive(weight_kg, "weight_kg") != kg:
            raise InvalidInput(
                fields={"weight_kg": [_("The weight does not match the quantity.")]}
            )
    else:
        if weight_kg in (None, ""):
            raise InvalidInput(
                fields={
                    "weight_kg": [_("Litres and pieces need the weighed weight in kg.")]
                }
            )
        kg = _positive(weight_kg, "weight_kg")
    container = Container.objects.create(
        producer=producer,
        label_code=f"HW{producer.pk:05d}-{secrets.token_hex(4).upper()}",
        waste_code=code,
        kind=kind,
        batch_code=batch_code.strip(),
        unit=unit,
        quantity=quantity,
        quantity_kg=kg,
        pending_kg=kg,
        generated_at=moment,
    )
    _entry(
        container,
        kind=LedgerEntry.Kind.GENERATION,
        moment=moment,
        quantity=quantity,
        kg=kg,
        user=user,
        handler=handler,
    ).save()
    return container


def _locked(container: Container) -> Container:
    return Container.objects.select_for_update().get(pk=container.pk)


@transaction.atomic
def container_store(
    *,
    container: Container,
    user,
    facility: StorageFacility,
    handler: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Container:
    """Put a generated container into a storage facility of the same producer."""
    container = _locked(container)
    require_account(user=user, enterprise_id=container.producer.enterprise_id)
    if facility is None or facility.producer_id != container.producer_id:
        raise InvalidInput(fields={"facility": [_("Choose one of your facilities.")]})
    if container.status != Container.Status.GENERATED or container.pending_kg <= 0:
        raise Conflict(_("The container is not waiting to be stored."))
    moment = _when(
        occurred_at, now or timezone.now(), not_before=container.generated_at
    )
    kg = container.pending_kg
    stored = (
        Container.objects.filter(facility=facility).aggregate(kg=Sum("in_storage_kg"))[
            "kg"
        ]
        or ZERO
    )
    if stored + kg > facility.capacity_kg:
        raise InvalidInput(
            fields={
                "facility": [
                    _("%(name)s is full: %(stored)s of %(capacity)s kg in storage.")
                    % {
                        "name": facility.name,
                        "stored": stored.quantize(Decimal("0.1")),
                        "capacity": facility.capacity_kg.quantize(Decimal("0.1")),
                    }
                ]
            }
        )
    container.in_storage_kg += kg
    container.pending_kg = ZERO
    container.status = Container.Status.STORED
    container.facility = facility
    container.stored_at = moment
    container.save()
    _entry(
        container,
        kind=LedgerEntry.Kind.INTO_STORAGE,
        moment=moment,
        quantity=(kg / _kg_per_unit(container)).quantize(Decimal("0.001")),
        kg=kg,
        user=user,
        handler=handler,
        facility=facility,
    ).save()
    return container


def release_quantity(container: Container, quantity, unit: str) -> Decimal:
    """The kg an out-of-storage entry takes; refuses a different unit or more
    than is in storage."""
    quantity = _positive(quantity, "quantity")
    if unit != container.unit:
        raise InvalidInput(
            fields={
                "unit": [
                    _("Unit mismatch: the container is recorded in %(unit)s.")
                    % {"unit": container.unit}
                ]
            }
        )
    in_storage = container.in_storage_kg / _kg_per_unit(container)
    if quantity > in_storage.quantize(Decimal("0.001")):
        raise InvalidInput(
            fields={
                "quantity": [
                    _("More than the stock: %(stock)s %(unit)s in storage.")
                    % {"stock": in_storage.quantize(Decimal("0.001")), "unit": unit}
                ]
            }
        )
    kg = quantity * _kg_per_unit(container)
    return min(kg, container.in_storage_kg)


@transaction.atomic
def container_release(
    *,
    container: Container,
    user,
    quantity,
    unit: str,
    handler: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Container:
    """Take (part of) a stored container out of storage, ready to be sent."""
    container = _locked(container)
    require_account(user=user, enterprise_id=container.producer.enterprise_id)
    if container.status != Container.Status.STORED:
        raise Conflict(_("The container is not in storage."))
    kg = release_quantity(container, quantity, unit)
    moment = _when(occurred_at, now or timezone.now(), not_before=container.stored_at)
    _release(container, kg=kg, quantity=_positive(quantity, "quantity"), moment=moment)
    container.save()
    _entry(
        container,
        kind=LedgerEntry.Kind.OUT_OF_STORAGE,
        moment=moment,
        quantity=_positive(quantity, "quantity"),
        kg=kg,
        user=user,
        handler=handler,
        facility=container.facility,
    ).save()
    return container


def _release(container: Container, *, kg: Decimal, quantity, moment) -> None:
    container.in_storage_kg -= kg
    container.awaiting_kg += kg
    if container.in_storage_kg <= 0:
        container.in_storage_kg = ZERO
        container.status = Container.Status.OUT
        container.released_at = moment


def containers_send_out(*, containers: list[Container], manifest, user, moment) -> None:
    """Called inside the carrier's signature: everything left in each container
    leaves with the manifest; a container still in storage is taken out first."""
    entries = []
    for container in containers:
        if container.in_storage_kg > 0:
            kg = container.in_storage_kg
            quantity = (kg / _kg_per_unit(container)).quantize(Decimal("0.001"))
            _release(container, kg=kg, quantity=quantity, moment=moment)
            entries.append(
                _entry(
                    container,
                    kind=LedgerEntry.Kind.OUT_OF_STORAGE,
                    moment=moment,
                    quantity=quantity,
                    kg=kg,
                    user=user,
                    handler="",
                    facility_id=container.facility_id,
                )
            )
        kg = container.pending_kg + container.awaiting_kg
        if kg <= 0:
            continue
        entries.append(
            _entry(
                container,
                kind=LedgerEntry.Kind.SENT_OUT,
                moment=moment,
                quantity=(kg / _kg_per_unit(container)).quantize(Decimal("0.001"))
                or Decimal("0.001"),
                kg=kg,
                user=user,
                handler="",
                manifest=manifest,
            )
        )
        container.shipped_kg += kg
        container.pending_kg = container.awaiting_kg = ZERO
        container.status = Container.Status.SHIPPED
        container.shipped_at = moment
        if container.released_at is None and container.stored_at is not None:
            container.released_at = moment
    # Everything left leaves: one UPDATE for all the manifest's containers.
    Container.objects.filter(pk__in=[c.pk for c in containers]).update(
        pending_kg=ZERO,
        in_storage_kg=ZERO,
        awaiting_kg=ZERO,
        shipped_kg=F("quantity_kg"),
        status=Container.Status.SHIPPED,
        shipped_at=moment,
        released_at=Case(
            When(released_at__isnull=False, then=F("released_at")),
            When(stored_at__isnull=False, then=Value(moment)),
            default=None,
        ),
    )
    LedgerEntry.objects.bulk_create(entries)
