"""Hazardous-waste supervision: the national list, producers and their plans,
the container ledger, receivers and carriers, transfer manifests and anomaly
warnings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.models import Enterprise, EnterpriseAccount
from grid.models import BureauRecordQuerySet

QUANTITY = {"max_digits": 14, "decimal_places": 3}


def _choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": [value for value, _label in choices]}),
        name=name,
    )


def _own_enterprise_ids(user):
    """Enterprises the user speaks for through an enterprise account."""
    return EnterpriseAccount.objects.filter(user_id=user.pk).values("enterprise_id")


# ------------------------------------------------------------------------- catalogue


class CatalogueEdition(TimeStampedModel):
    """Catalogue edition (国家危险废物名录版本): one edition of the National
    Hazardous Waste List and the dates it is in force."""

    code = models.CharField(_("edition"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("in force from"))
    effective_until = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Empty: still in force")
    )

    class Meta:
        verbose_name = _("catalogue edition")
        verbose_name_plural = _("catalogue editions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name


class WasteCategory(models.Model):
    """Waste category (废物类别, HWxx) within a catalogue edition."""

    edition = models.ForeignKey(
        CatalogueEdition,
        on_delete=models.PROTECT,
        related_name="categories",
        verbose_name=_("edition"),
    )
    code = models.CharField(_("category"), max_length=4)  # HW08
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("waste category")
        verbose_name_plural = _("waste categories")
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "code"], name="hazwaste_wastecategory_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WasteCode(models.Model):
    """Waste code (废物代码, XXX-YYY-ZZ): industry, sequence and category, with
    its hazard characteristics (危险特性) and any exemption note (豁免)."""

    CHARACTERISTICS = ("T", "C", "I", "R", "In")

    edition = models.ForeignKey(
        CatalogueEdition,
        on_delete=models.PROTECT,
        related_name="codes",
        verbose_name=_("edition"),
    )
    category = models.ForeignKey(
        WasteCategory,
        on_delete=models.PROTECT,
        related_name="codes",
        verbose_name=_("category"),
    )
    code = models.CharField(_("waste code"), max_length=10)
    industry = models.CharField(_("industry"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    characteristics = models.CharField(
        _("hazard characteristics"), max_length=20, help_text=_("e.g. T,I")
    )
    exemption_note = models.CharField(_("exemption note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("waste code")
        verbose_name_plural = _("waste codes")
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "code"], name="hazwaste_wastecode_unique"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{3}-[0-9]{3}-[0-9]{2}$"),
                name="hazwaste_wastecode_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.short_name or self.description[:30]}"

    @property
    def characteristic_list(self) -> list[str]:
        return [c for c in self.characteristics.split(",") if c]


# ---------------------------------------------------------------- receivers, carriers


class Receiver(TimeStampedModel):
    """Licensed receiver (危险废物经营单位, 接受人): holds a hazardous-waste
    business permit for certain codes and an annual capacity. Its users are the
    enterprise accounts of its enterprise."""

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="hazwaste_receiver",
        verbose_name=_("enterprise"),
    )
    permit_number = models.CharField(_("permit number"), max_length=60, unique=True)
    permit_valid_from = models.DateField(_("permit valid from"))
    permit_valid_until = models.DateField(_("permit valid until"))
    annual_capacity_kg = models.DecimalField(
        _("annual capacity (kg)"), **QUANTITY, default=Decimal("0")
    )
    permitted_codes = models.ManyToManyField(
        WasteCode,
        related_name="receivers",
        blank=True,
        verbose_name=_("permitted waste codes"),
    )

    class Meta:
        verbose_name = _("receiver")
        verbose_name_plural = _("receivers")
        ordering = ["enterprise__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_capacity_kg__gte=0),
                name="hazwaste_receiver_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(permit_valid_until__gte=F("permit_valid_from")),
                name="hazwaste_receiver_permit_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.enterprise.name


class Carrier(TimeStampedModel):
    """Carrier (承运人): a transport company with a dangerous-goods road
    transport licence (道路危险货物运输许可证)."""

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="hazwaste_carrier",
        verbose_name=_("enterprise"),
    )
    licence_number = models.CharField(_("licence number"), max_length=60, unique=True)
    licence_valid_until = models.DateField(_("licence valid until"))

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["enterprise__name"]

    def __str__(self) -> str:
        return self.enterprise.name


class Vehicle(TimeStampedModel):
    """Vehicle (运输车辆) of a carrier, with its dangerous-goods permit."""

    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        related_name="vehicles",
        verbose_name=_("carrier"),
    )
    plate = models.CharField(_("plate number"), max_length=20, unique=True)
    permit_number = models.CharField(_("vehicle permit number"), max_length=60)
    capacity_kg = models.DecimalField(
        _("load capacity (kg)"), **QUANTITY, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate"]

    def __str__(self) -> str:
        return self.plate


# ------------------------------------------------------------------------- producers


class ProducerQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(enterprise__in=Enterprise.objects.for_user(user))


class ProducerManagementClass(models.TextChoices):
    KEY = "key", _("Key supervision")
    SIMPLIFIED = "simplified", _("Simplified management")
    REGISTRATION = "registration", _("Registration management")


class Producer(TimeStampedModel):
    """Hazardous-waste producer profile (产废单位): an enterprise's management
    class (管理类别, HJ 1259) and its storage, plans, ledger and manifests."""

    ManagementClass = ProducerManagementClass

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="hazwaste_producer",
        verbose_name=_("enterprise"),
    )
    management_class = models.CharField(
        _("management class"),
        max_length=20,
        choices=ManagementClass.choices,
        default=ManagementClass.REGISTRATION,
    )
    own_disposal = models.BooleanField(_("disposes of its own waste"), default=False)
    holds_permit = models.BooleanField(
        _("holds a hazardous-waste permit"), default=False
    )
    class_basis_t = models.DecimalField(
        _("largest annual amount of the last 3 years (t)"),
        **QUANTITY,
        default=Decimal("0"),
    )
    class_computed_at = models.DateTimeField(_("class computed at"), null=True)

    objects = ProducerQuerySet.as_manager()

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["enterprise__name"]
        constraints = [
            _choices_check(
                "management_class",
                ProducerManagementClass.choices,
                "hazwaste_producer_class_valid",
            )
        ]

    def __str__(self) -> str:
        return self.enterprise.name

    def get_absolute_url(self) -> str:
        return reverse("hazwaste:producer-detail", args=[self.pk])


class AnnualAmount(models.Model):
    """Declared annual amount (年度产生量) for a year before the platform's
    ledger: the class uses the larger of this and the ledger's total."""

    producer = models.ForeignKey(
        Producer,
        on_delete=models.CASCADE,
        related_name="annual_amounts",
        verbose_name=_("producer"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount_t = models.DecimalField(_("amount (t)"), **QUANTITY)

    class Meta:
        verbose_name = _("declared annual amount")
        verbose_name_plural = _("declared annual amounts")
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "year"], name="hazwaste_annualamount_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_t__gte=0), name="hazwaste_annualamount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer} {self.year}: {self.amount_t} t"


class StorageFacilityKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Store room")
    AREA = "area", _("Storage area")
    TANK = "tank", _("Tank")
    CABINET = "cabinet", _("Cabinet")


class StorageFacilityQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(producer__in=Producer.objects.for_user(user))


class StorageFacility(TimeStampedModel):
    """Storage facility (贮存设施): a store room, area, tank or cabinet."""

    Kind = StorageFacilityKind

    producer = models.ForeignKey(
        Producer,
        on_delete=models.CASCADE,
        related_name="facilities",
        verbose_name=_("producer"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    capacity_kg = models.DecimalField(_("capacity (kg)"), **QUANTITY)

    objects = StorageFacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("storage facility")
        verbose_name_plural = _("storage facilities")
        ordering = ["producer", "name"]
        constraints = [
            _choices_check(
                "kind",
                StorageFacilityKind.choices,
                "hazwaste_storagefacility_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(capacity_kg__gt=0),
                name="hazwaste_storagefacility_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ManagementPlanQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(producer__in=Producer.objects.for_user(user))


class ManagementPlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed with the bureau")


class ManagementPlan(TimeStampedModel):
    """Annual management plan (危险废物管理计划): expected codes, amounts and
    receivers for a year, filed by 31 March with a filing number (备案号)."""

    Status = ManagementPlanStatus

    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("producer"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    filing_number = models.CharField(
        _("filing number"), max_length=30, null=True, blank=True, unique=True
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_late = models.BooleanField(_("filed after 31 March"), default=False)

    objects = ManagementPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("management plan")
        verbose_name_plural = _("management plans")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "year"], name="hazwaste_managementplan_unique"
            ),
            _choices_check(
                "status", ManagementPlanStatus.choices, "hazwaste_managementplan_status"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(filing_number__isnull=False),
                name="hazwaste_managementplan_filed_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer} {self.year}"


class PlanLine(models.Model):
    """One expected waste of a plan: code, amount and intended receiver."""

    plan = models.ForeignKey(
        ManagementPlan,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("plan"),
    )
    waste_code = models.ForeignKey(
        WasteCode,
        on_delete=models.PROTECT,
        related_name="plan_lines",
        verbose_name=_("waste code"),
    )
    expected_kg = models.DecimalField(_("expected amount (kg)"), **QUANTITY)
    receiver = models.ForeignKey(
        Receiver,
        on_delete=models.PROTECT,
        related_name="plan_lines",
        null=True,
        blank=True,
        verbose_name=_("expected receiver"),
    )

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_kg__gt=0), name="hazwaste_planline_positive"
            ),
            models.UniqueConstraint(
                fields=["plan", "waste_code", "receiver"],
                name="hazwaste_planline_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.waste_code.code}: {self.expected_kg} kg"


class DeclarationQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(producer__in=Producer.objects.for_user(user))


class DeclarationPeriod(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


class DeclarationStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    SUBMITTED = "submitted", _("Submitted")


class Declaration(TimeStampedModel):
    """Periodic declaration (申报): the period's generation, shipments and stock
    per code, generated from the ledger on the class's schedule."""

    Period = DeclarationPeriod

    Status = DeclarationStatus

    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("producer"),
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.GENERATED
    )
    lines = models.JSONField(_("figures per code"), default=list)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("submitted by"),
    )

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "period", "period_start"],
                name="hazwaste_declaration_unique",
            ),
            _choices_check(
                "period", DeclarationPeriod.choices, "hazwaste_declaration_period"
            ),
            _choices_check(
                "status", DeclarationStatus.choices, "hazwaste_declaration_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer} {self.period_start}–{self.period_end}"


# ---------------------------------------------------------------------------- ledger


class Unit(models.TextChoices):
    KILOGRAM = "kg", _("kg")
    TONNE = "t", _("t")
    LITRE = "L", _("L")
    PIECE = "piece", _("piece")


MASS_UNITS = {"kg": Decimal("1"), "t": Decimal("1000")}


class ContainerQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(producer__in=Producer.objects.for_user(user))


class ContainerKind(models.TextChoices):
    DRUM = "drum", _("Drum")
    BAG = "bag", _("Bag")
    BOX = "box", _("Box")
    IBC = "ibc", _("IBC tote")
    PALLET = "pallet", _("Pallet")


class ContainerStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    STORED = "stored", _("In storage")
    OUT = "out", _("Out of storage")
    SHIPPED = "shipped", _("Sent out")


class Container(TimeStampedModel):
    """Container or package (容器/包装物): the unit the ledger follows from
    generation to shipment. Its label carries a QR code with ``label_code``.
    Quantities in kg are split across the stages and always add up."""

    Kind = ContainerKind

    Status = ContainerStatus

    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="containers",
        verbose_name=_("producer"),
    )
    label_code = models.CharField(_("label code"), max_length=40, unique=True)
    waste_code = models.ForeignKey(
        WasteCode,
        on_delete=models.PROTECT,
        related_name="containers",
        verbose_name=_("waste code"),
    )
    kind = models.CharField(_("container"), max_length=10, choices=Kind.choices)
    batch_code = models.CharField(_("batch code"), max_length=40, blank=True)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    quantity_kg = models.DecimalField(_("weight (kg)"), **QUANTITY)
    pending_kg = models.DecimalField(_("not yet stored (kg)"), **QUANTITY)
    in_storage_kg = models.DecimalField(
        _("in storage (kg)"), **QUANTITY, default=Decimal("0")
    )
    awaiting_kg = models.DecimalField(
        _("out of storage, not sent (kg)"), **QUANTITY, default=Decimal("0")
    )
    shipped_kg = models.DecimalField(_("sent out (kg)"), **QUANTITY, default=Decimal(0))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.GENERATED
    )
    facility = models.ForeignKey(
        StorageFacility,
        on_delete=models.PROTECT,
        related_name="containers",
        null=True,
        blank=True,
        verbose_name=_("facility"),
    )
    generated_at = models.DateTimeField(_("generated at"))
    stored_at = models.DateTimeField(_("into storage at"), null=True, blank=True)
    released_at = models.DateTimeField(_("out of storage at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("sent out at"), null=True, blank=True)

    objects = ContainerQuerySet.as_manager()

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        ordering = ["-generated_at", "-id"]
        constraints = [
            _choices_check(
                "kind", ContainerKind.choices, "hazwaste_container_kind_valid"
            ),
            _choices_check("unit", Unit.choices, "hazwaste_container_unit_valid"),
            _choices_check(
                "status", ContainerStatus.choices, "hazwaste_container_status"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0, quantity_kg__gt=0),
                name="hazwaste_container_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(pending_kg__gte=0, in_storage_kg__gte=0, awaiting_kg__gte=0)
                & Q(shipped_kg__gte=0)
                & Q(
                    quantity_kg=F("pending_kg")
                    + F("in_storage_kg")
                    + F("awaiting_kg")
                    + F("shipped_kg")
                ),
                name="hazwaste_container_stages_add_up",
            ),
        ]
        indexes = [
            # storage-age rule and the overview's oldest container: stored, by age
            models.Index(fields=["status", "stored_at"], name="hazwaste_container_age"),
            # producer ledger page and stock by code
            models.Index(
                fields=["producer", "status", "waste_code"],
                name="hazwaste_container_stock",
            ),
        ]

    def __str__(self) -> str:
        return self.label_code

    def get_absolute_url(self) -> str:
        return reverse("hazwaste:container-detail", args=[self.label_code])

    def days_in_storage(self, now=None) -> int | None:
        if self.stored_at is None:
            return None
        end = self.released_at or now or timezone.now()
        return (end - self.stored_at).days

    @property
    def stock_kg(self) -> Decimal:
        return self.pending_kg + self.in_storage_kg + self.awaiting_kg


class LedgerEntryQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(producer__in=Producer.objects.for_user(user))

    def usable(self):
        """Entries that count (unreviewed or validated): what the stock, the
        mass balance and the anomaly rules are made of. An entry a reviewer
        invalidated never counts. Unreviewed entries count, as raw readings do
        on the monitoring boards: were they left out, an enterprise's honest
        but unreviewed ledger would itself raise warnings (no activity, waste
        sent that was never generated)."""
        return self.exclude(review_state=LedgerReviewState.INVALID)


class LedgerEntryKind(models.TextChoices):
    GENERATION = "generation", _("Generation")
    INTO_STORAGE = "into_storage", _("Into storage")
    OUT_OF_STORAGE = "out_of_storage", _("Out of storage")
    SENT_OUT = "sent_out", _("Sent out")


class LedgerReviewState(models.TextChoices):
    """The same words as the review of monitoring readings."""

    UNREVIEWED = "unreviewed", _("Not reviewed")
    VALIDATED = "validated", _("Validated")
    INVALID = "invalid", _("Invalid")


class LedgerEntry(models.Model):
    """Ledger record (台账记录): one container at one stage — generation
    (产生), into storage (入库), out of storage (出库) or sent out (转移).
    Reported by the enterprise; bureau staff review it (``review_state``, each
    decision a ``LedgerReviewDecision``)."""

    Kind = LedgerEntryKind
    ReviewState = LedgerReviewState

    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("producer"),
    )
    container = models.ForeignKey(
        Container,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("container"),
    )
    waste_code = models.ForeignKey(
        WasteCode,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("waste code"),
    )
    kind = models.CharField(_("stage"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"))
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    quantity_kg = models.DecimalField(_("weight (kg)"), **QUANTITY)
    batch_code = models.CharField(_("batch code"), max_length=40, blank=True)
    facility = models.ForeignKey(
        StorageFacility,
        on_delete=models.PROTECT,
        related_name="entries",
        null=True,
        blank=True,
        verbose_name=_("facility"),
    )
    manifest = models.ForeignKey(
        "Manifest",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        null=True,
        blank=True,
        verbose_name=_("manifest"),
    )
    handler = models.CharField(_("handled by"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # the latest review decision's outcome; the decisions keep the history
    review_state = models.CharField(
        _("review"),
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.UNREVIEWED,
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            _choices_check(
                "kind", LedgerEntryKind.choices, "hazwaste_ledgerentry_kind_valid"
            ),
            _choices_check("unit", Unit.choices, "hazwaste_ledgerentry_unit_valid"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0, quantity_kg__gt=0),
                name="hazwaste_ledgerentry_quantity_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind="sent_out") | Q(manifest__isnull=False),
                name="hazwaste_ledgerentry_sent_out_has_manifest",
            ),
            _choices_check(
                "review_state",
                LedgerReviewState.choices,
                "hazwaste_ledgerentry_review_state_valid",
            ),
        ]
        indexes = [
            # enterprise ledger page: newest first per producer
            models.Index(
                fields=["producer", "-occurred_at"], name="hazwaste_ledger_producer"
            ),
            # the review queue: a window of entries by the time they happened
            models.Index(fields=["occurred_at"], name="hazwaste_ledger_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.container} {self.kind} {self.quantity}{self.unit}"


class LedgerReviewDecision(models.Model):
    """Ledger review decision (台账审核记录): one reviewer's validation or
    invalidation of a set of ledger entries, with the reason; its items name
    each entry and the state it had before. Append-only: a later decision on
    the same entries is a new row, so an entry's review history is complete."""

    district = models.ForeignKey(
        "grid.District",
        on_delete=models.PROTECT,
        related_name="ledger_review_decisions",
        verbose_name=_("district"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    state = models.CharField(
        _("decision"),
        max_length=10,
        choices=[
            (LedgerReviewState.VALIDATED, LedgerReviewState.VALIDATED.label),
            (LedgerReviewState.INVALID, LedgerReviewState.INVALID.label),
        ],
    )
    reason = models.TextField(_("reason"), max_length=2000)
    count = models.PositiveIntegerField(_("entries changed"))

    objects = BureauRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger review decision")
        verbose_name_plural = _("ledger review decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["validated", "invalid"]),
                name="hazwaste_ledgerreviewdecision_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="hazwaste_ledgerreviewdecision_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decided_at:%Y-%m-%d %H:%M} {self.state} × {self.count}"


class LedgerReviewItemQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(entry__in=LedgerEntry.objects.for_user(user).values("pk"))


class LedgerReviewItem(models.Model):
    """One entry named by a review decision, with its state before it."""

    decision = models.ForeignKey(
        LedgerReviewDecision,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("decision"),
    )
    entry = models.ForeignKey(
        LedgerEntry,
        on_delete=models.PROTECT,
        related_name="review_items",
        verbose_name=_("ledger entry"),
    )
    state_before = models.CharField(
        _("state before"), max_length=10, choices=LedgerReviewState.choices
    )

    objects = LedgerReviewItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger review item")
        verbose_name_plural = _("ledger review items")
        ordering = ["decision", "entry"]
        constraints = [
            _choices_check(
                "state_before",
                LedgerReviewState.choices,
                "hazwaste_ledgerreviewitem_state_before_valid",
            ),
            models.UniqueConstraint(
                fields=["decision", "entry"], name="hazwaste_ledgerreviewitem_once"
            ),
        ]
        indexes = [
            # an entry's review history
            models.Index(fields=["entry"], name="hazwaste_ledgerreview_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} · {self.entry_id}"


# ------------------------------------------------------------------------- manifests


class ManifestQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Staff see manifests of producers in their scope; an enterprise sees the
        manifests it sends, carries or receives."""
        visible_producers = Producer.objects.for_user(user).values("pk")
        condition = Q(producer__in=visible_producers)
        if user is not None and user.is_authenticated:
            own = _own_enterprise_ids(user)
            condition |= Q(receiver__enterprise__in=own) | Q(
                carrier__enterprise__in=own
            )
        return self.filter(condition)


class ManifestSerial(models.Model):
    """The last serial number used per year and region (联单流水号)."""

    year = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=4)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("manifest serial")
        verbose_name_plural = _("manifest serials")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region"], name="hazwaste_manifestserial_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}{self.region}: {self.last}"


class ManifestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    DISPOSED = "disposed", _("Disposal reported")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ManifestOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTIAL = "partial", _("Partially accepted")
    REFUSED = "refused", _("Refused")


class Manifest(TimeStampedModel):
    """Electronic transfer manifest (危险废物电子转移联单): one trip, one waste
    type, from the consignor (移出人) by a carrier (承运人) to a receiver
    (接受人). Every signature is a ManifestEvent; corrections keep the old
    version in ManifestVersion."""

    Status = ManifestStatus

    Outcome = ManifestOutcome

    number = models.CharField(_("manifest number"), max_length=14, unique=True)
    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="manifests",
        verbose_name=_("consignor"),
    )
    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        related_name="manifests",
        verbose_name=_("carrier"),
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="manifests",
        null=True,
        blank=True,
        verbose_name=_("vehicle"),
    )
    receiver = models.ForeignKey(
        Receiver,
        on_delete=models.PROTECT,
        related_name="manifests",
        verbose_name=_("receiver"),
    )
    waste_code = models.ForeignKey(
        WasteCode,
        on_delete=models.PROTECT,
        related_name="manifests",
        verbose_name=_("waste code"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    planned_at = models.DateTimeField(_("planned pick-up"), null=True, blank=True)
    shipped_kg = models.DecimalField(_("shipped (kg)"), **QUANTITY, default=Decimal(0))
    received_kg = models.DecimalField(
        _("received (kg)"), **QUANTITY, null=True, blank=True
    )
    outcome = models.CharField(
        _("receipt"), max_length=10, choices=Outcome.choices, blank=True
    )
    disposal_method = models.CharField(_("disposal method"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    receipt_due_on = models.DateField(_("receipt due by"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposal reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )

    objects = ManifestQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer manifest")
        verbose_name_plural = _("transfer manifests")
        ordering = ["-created_at", "-id"]
        constraints = [
            _choices_check(
                "status", ManifestStatus.choices, "hazwaste_manifest_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="")
                | Q(outcome__in=["accepted", "partial", "refused"]),
                name="hazwaste_manifest_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{14}$"),
                name="hazwaste_manifest_number_format",
            ),
        ]
        indexes = [
            # producer overview and enterprise manifest list
            models.Index(
                fields=["producer", "-created_at"], name="hazwaste_manifest_producer"
            ),
            # receiver's inbox
            models.Index(
                fields=["receiver", "status"], name="hazwaste_manifest_receiver"
            ),
            # overdue-stage rule: open manifests by status
            models.Index(fields=["status"], name="hazwaste_manifest_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("hazwaste:manifest-detail", args=[self.pk])


class ManifestLineForm(models.TextChoices):
    SOLID = "solid", _("Solid")
    SEMI_SOLID = "semi_solid", _("Semi-solid")
    LIQUID = "liquid", _("Liquid")
    GAS = "gas", _("Gas")


class ManifestLine(models.Model):
    """One line of a manifest (联单明细): quantity shipped and, after the
    receiver weighs it, quantity received and the line's outcome."""

    Form = ManifestLineForm

    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("manifest"),
    )
    position = models.PositiveSmallIntegerField(_("line"))
    waste_code = models.ForeignKey(
        WasteCode,
        on_delete=models.PROTECT,
        related_name="manifest_lines",
        verbose_name=_("waste code"),
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    quantity_kg = models.DecimalField(_("weight (kg)"), **QUANTITY)
    container_count = models.PositiveIntegerField(_("containers"), default=1)
    packaging = models.CharField(_("packaging"), max_length=50)
    physical_form = models.CharField(
        _("physical form"), max_length=12, choices=Form.choices
    )
    characteristics = models.CharField(_("hazard characteristics"), max_length=20)
    containers = models.ManyToManyField(
        Container, related_name="manifest_lines", blank=True
    )
    received_kg = models.DecimalField(
        _("received (kg)"), **QUANTITY, null=True, blank=True
    )
    outcome = models.CharField(
        _("receipt"), max_length=10, choices=Manifest.Outcome.choices, blank=True
    )
    discrepancy_note = models.CharField(_("discrepancy"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("manifest line")
        verbose_name_plural = _("manifest lines")
        ordering = ["manifest", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["manifest", "position"], name="hazwaste_manifestline_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0, quantity_kg__gt=0),
                name="hazwaste_manifestline_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(received_kg__isnull=True) | Q(received_kg__gte=0),
                name="hazwaste_manifestline_received_not_negative",
            ),
            _choices_check("unit", Unit.choices, "hazwaste_manifestline_unit_valid"),
            _choices_check(
                "physical_form",
                ManifestLineForm.choices,
                "hazwaste_manifestline_form_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manifest} #{self.position}"


class ManifestEventRole(models.TextChoices):
    CONSIGNOR = "consignor", _("Consignor")
    CARRIER = "carrier", _("Carrier")
    RECEIVER = "receiver", _("Receiver")
    AUTHORITY = "authority", _("Authority")


class ManifestEvent(models.Model):
    """A signature or step on a manifest (联单签章): who, when, where, in which
    role and version, from which status to which."""

    Role = ManifestEventRole

    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("manifest"),
    )
    version = models.PositiveIntegerField(_("version"))
    from_status = models.CharField(_("from"), max_length=12)
    to_status = models.CharField(_("to"), max_length=12)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"))
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("manifest signature")
        verbose_name_plural = _("manifest signatures")
        ordering = ["manifest", "signed_at", "id"]
        constraints = [
            _choices_check(
                "role", ManifestEventRole.choices, "hazwaste_manifestevent_role_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.manifest} {self.from_status}→{self.to_status}"

    @property
    def from_label(self) -> str:
        return ManifestStatus(self.from_status).label

    @property
    def to_label(self) -> str:
        return ManifestStatus(self.to_status).label


class ManifestVersion(models.Model):
    """A superseded version of a manifest (联单更正前版本), kept readable with
    the reason it was corrected."""

    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("manifest"),
    )
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    reason = models.CharField(_("reason for the correction"), max_length=500)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    corrected_at = models.DateTimeField(_("corrected at"))

    class Meta:
        verbose_name = _("manifest version")
        verbose_name_plural = _("manifest versions")
        ordering = ["manifest", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["manifest", "version"], name="hazwaste_manifestversion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.manifest} v{self.version}"


class TrackPoint(models.Model):
    """A position reported during transport (运输轨迹点)."""

    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.CASCADE,
        related_name="track_points",
        verbose_name=_("manifest"),
    )
    at = models.DateTimeField(_("time"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))

    class Meta:
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        ordering = ["manifest", "at"]

    def __str__(self) -> str:
        return f"{self.manifest} {self.at:%H:%M}"


# ------------------------------------------------------------------------- anomalies


class AnomalyRuleCode(models.TextChoices):
    STORAGE_AGE = "storage_age", _("Storage age approaching or over the limit")
    WEIGHT_MISMATCH = "weight_mismatch", _("Received weight differs from shipped")
    RECEIVER_UNLICENSED = (
        "receiver_unlicensed",
        _("Receiver not licensed for the code"),
    )
    RECEIVER_PERMIT_EXPIRED = (
        "receiver_permit_expired",
        _("Receiver's permit expired"),
    )
    RECEIVER_OVER_CAPACITY = (
        "receiver_over_capacity",
        _("Receiver over its annual capacity"),
    )
    MANIFEST_OVERDUE = "manifest_overdue", _("Manifest overdue at a stage")
    GENERATED_NEVER_SENT = "generated_never_sent", _("Generated but never sent out")
    SENT_WITHOUT_GENERATION = (
        "sent_without_generation",
        _("Sent out without ledger generation"),
    )
    PLAN_DEVIATION = "plan_deviation", _("Actual amounts far from the plan")
    INACTIVITY = "inactivity", _("No ledger activity")
    RECEIVER_OUTSIDE_PLAN = (
        "receiver_outside_plan",
        _("Transfer to a receiver outside the plan"),
    )


class AnomalyRuleSeverity(models.TextChoices):
    INFO = "info", _("Notice")
    WARNING = "warning", _("Warning")
    SERIOUS = "serious", _("Serious")


class AnomalyRule(TimeStampedModel):
    """Anomaly rule (异常预警规则): one configurable check; its parameters are
    data an administrator edits."""

    Code = AnomalyRuleCode

    Severity = AnomalyRuleSeverity

    code = models.CharField(_("rule"), max_length=30, unique=True, choices=Code.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default="warning"
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("anomaly rule")
        verbose_name_plural = _("anomaly rules")
        ordering = ["code"]
        constraints = [
            _choices_check(
                "code", AnomalyRuleCode.choices, "hazwaste_anomalyrule_code_valid"
            ),
            _choices_check(
                "severity",
                AnomalyRuleSeverity.choices,
                "hazwaste_anomalyrule_severity_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


EVIDENCE_LABELS = {
    "container": _("container"),
    "manifest": _("manifest"),
    "waste_code": _("waste code"),
    "stored_at": _("into storage at"),
    "days_in_storage": _("days in storage"),
    "limit_days": _("limit (days)"),
    "days_left": _("days left"),
    "in_storage_kg": _("in storage (kg)"),
    "shipped_kg": _("shipped (kg)"),
    "received_kg": _("received (kg)"),
    "difference_percent": _("difference (%)"),
    "tolerance_percent": _("tolerance (%)"),
    "permit": _("permit number"),
    "permit_valid_until": _("permit valid until"),
    "received_at": _("received at"),
    "year": _("year"),
    "received_this_year_kg": _("shipped to it this year (kg)"),
    "annual_capacity_kg": _("annual capacity (kg)"),
    "stage": _("stage"),
    "since": _("since"),
    "due": _("due"),
    "age_days": _("older than (days)"),
    "generated_before_kg": _("generated before then (kg)"),
    "sent_out_kg": _("sent out (kg)"),
    "never_sent_kg": _("never sent out (kg)"),
    "shipped_on_manifests_kg": _("shipped on manifests (kg)"),
    "generated_in_ledger_kg": _("generated in the ledger (kg)"),
    "first_manifest": _("first manifest"),
    "kind": _("finding"),
    "planned_kg": _("planned (kg)"),
    "generated_kg": _("generated (kg)"),
    "deviation_percent": _("allowed deviation (%)"),
    "last_activity": _("last ledger activity"),
    "days": _("days"),
    "receiver": _("receiver"),
    "planned_receivers": _("receivers in the plan"),
}
EVIDENCE_VALUES = {
    "not_in_plan": _("not in the plan"),
    "over_plan": _("over the plan"),
    "under_plan": _("under the plan"),
    **dict(ManifestStatus.choices),
}


class AnomalyWarningQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Staff see warnings about producers and receivers in their scope; an
        enterprise sees those about itself."""
        enterprises = Enterprise.objects.for_user(user)
        return self.filter(
            Q(producer__enterprise__in=enterprises)
            | Q(receiver__enterprise__in=enterprises)
        )

    def open(self):
        return self.filter(status=AnomalyWarning.Status.OPEN)


class AnomalyWarningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    TICKET = "ticket", _("Turned into a ticket")
    INSPECTION = "inspection", _("Sent to inspection")
    RESOLVED = "resolved", _("No longer found")
    INSPECTED = "inspected", _("Settled by inspection")


class AnomalyWarning(TimeStampedModel):
    """Anomaly warning (异常预警): what a rule found, with the evidence, and how
    the bureau handled it (non-site enforcement 非现场执法)."""

    Status = AnomalyWarningStatus

    rule = models.ForeignKey(
        AnomalyRule,
        on_delete=models.PROTECT,
        related_name="warnings",
        verbose_name=_("rule"),
    )
    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="warnings",
        null=True,
        blank=True,
        verbose_name=_("producer"),
    )
    receiver = models.ForeignKey(
        Receiver,
        on_delete=models.PROTECT,
        related_name="warnings",
        null=True,
        blank=True,
        verbose_name=_("receiver"),
    )
    subject = models.CharField(_("subject"), max_length=80)  # e.g. "container:12"
    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.PROTECT,
        related_name="warnings",
        null=True,
        blank=True,
        verbose_name=_("manifest"),
    )
    container = models.ForeignKey(
        Container,
        on_delete=models.PROTECT,
        related_name="warnings",
        null=True,
        blank=True,
        verbose_name=_("container"),
    )
    waste_code = models.ForeignKey(
        WasteCode,
        on_delete=models.PROTECT,
        related_name="warnings",
        null=True,
        blank=True,
        verbose_name=_("waste code"),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=AnomalyRule.Severity.choices
    )
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("handled by"),
    )
    handling_note = models.CharField(_("reason / note"), max_length=500, blank=True)

    objects = AnomalyWarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly warning")
        verbose_name_plural = _("anomaly warnings")
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            _choices_check(
                "status", AnomalyWarningStatus.choices, "hazwaste_anomalywarning_status"
            ),
            _choices_check(
                "severity",
                AnomalyRule.Severity.choices,
                "hazwaste_anomalywarning_severity",
            ),
            # one live warning per finding; handled ones stay as history
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(status="open"),
                name="hazwaste_anomalywarning_one_open",
            ),
            models.CheckConstraint(
                condition=Q(producer__isnull=False) | Q(receiver__isnull=False),
                name="hazwaste_anomalywarning_has_party",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(handling_note=""),
                name="hazwaste_anomalywarning_dismissal_reason",
            ),
        ]
        indexes = [
            # the bureau's queue: open warnings, newest first
            models.Index(
                fields=["status", "-last_seen_at"], name="hazwaste_warning_queue"
            ),
            # map colours and the health-code factor: open warnings per producer
            models.Index(
                fields=["producer", "status"], name="hazwaste_warning_producer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.producer or self.receiver}"

    def get_absolute_url(self) -> str:
        return reverse("hazwaste:warning-detail", args=[self.pk])

    @property
    def enterprise_concerned(self) -> Enterprise | None:
        """The producer's enterprise, else the receiver's: where staff act."""
        party = self.producer or self.receiver
        return party.enterprise if party is not None else None

    def evidence_rows(self) -> list[tuple[str, object]]:
        """The evidence with readable labels, for pages."""
        return [
            (
                EVIDENCE_LABELS.get(key, key),
                EVIDENCE_VALUES.get(value, value) if isinstance(value, str) else value,
            )
            for key, value in self.evidence.items()
        ]
