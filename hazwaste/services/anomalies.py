"""Anomaly rules and the bureau's handling of their warnings (非现场执法).

Each rule is set-based: one SQL pass over all producers (the ledger rules share
one grouped pass over the ledger), never a query per producer. A finding is keyed
by a subject ("container:12:over", "manifest:7:in_transit"); one open warning per
rule and subject, refreshed on every scan, resolved when no longer found, and
never raised again once staff have handled it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.db import transaction
from django.db.models import Exists, F, Max, Min, OuterRef, Q, Sum, Value
from django.db.models.functions import Concat, Left, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from enforcement.models import Enterprise, Inspection
from enforcement.services import health_code_request_recompute
from grid.selectors import user_scope
from hazwaste.models import (
    AnomalyRule,
    AnomalyWarning,
    Container,
    LedgerEntry,
    ManagementPlan,
    Manifest,
    PlanLine,
    Producer,
    Receiver,
    WasteCode,
)
from hazwaste.rule_defaults import DEFAULT_RULES

ZERO = Decimal("0")
LIVE = (
    Manifest.Status.SUBMITTED,
    Manifest.Status.IN_TRANSIT,
    Manifest.Status.RECEIVED,
    Manifest.Status.DISPOSED,
)
SENT = (*LIVE, Manifest.Status.CLOSED)
EPSILON = Decimal("0.0001")


def _json(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.001")))
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


@dataclass
class Finding:
    subject: str
    evidence: dict
    producer_id: int | None = None
    receiver_id: int | None = None
    manifest_id: int | None = None
    container_id: int | None = None
    waste_code_id: int | None = None
    severity: str | None = None


@dataclass
class ScanReport:
    created: int = 0
    refreshed: int = 0
    resolved: int = 0
    by_rule: dict = field(default_factory=dict)


class Scan:
    """What the rules share within one scan: the time, the rules, and the
    grouped passes that several rules read."""

    def __init__(self, *, now: datetime, rules: dict[str, AnomalyRule]):
        self.now = now
        self.today = timezone.localtime(now).date()
        self.rules = rules

    def param(self, code: str, name: str):
        rule = self.rules.get(code)
        default = DEFAULT_RULES[code][1].get(name)
        if rule is None:
            return default
        return rule.parameters.get(name, default)

    @cached_property
    def year_start(self) -> datetime:
        return timezone.make_aware(datetime(self.today.year, 1, 1))

    @cached_property
    def ledger_totals(self) -> dict[tuple[int, int], dict]:
        """One grouped pass over the whole ledger: per producer and code."""
        kinds = LedgerEntry.Kind
        age_days = self.param("generated_never_sent", "age_days") or 180
        cutoff = self.now - timedelta(days=age_days)
        rows = (
            LedgerEntry.objects.usable()
            .values("producer_id", "waste_code_id")
            .annotate(
                generated=Sum("quantity_kg", filter=Q(kind=kinds.GENERATION)),
                generated_old=Sum(
                    "quantity_kg",
                    filter=Q(kind=kinds.GENERATION, occurred_at__lt=cutoff),
                ),
                generated_year=Sum(
                    "quantity_kg",
                    filter=Q(kind=kinds.GENERATION, occurred_at__gte=self.year_start),
                ),
                sent=Sum("quantity_kg", filter=Q(kind=kinds.SENT_OUT)),
                last_at=Max("occurred_at"),
            )
            .order_by()
        )
        return {(r["producer_id"], r["waste_code_id"]): r for r in rows}

    @cached_property
    def code_text(self) -> dict[int, str]:
        return dict(WasteCode.objects.values_list("id", "code"))

    @cached_property
    def plans(self) -> dict[int, dict]:
        """Filed plans of this year: expected kg per code text, and receivers."""
        plans: dict[int, dict] = {}
        lines = PlanLine.objects.filter(
            plan__year=self.today.year, plan__status=ManagementPlan.Status.FILED
        ).values_list(
            "plan__producer_id", "waste_code__code", "expected_kg", "receiver_id"
        )
        for producer_id, code, expected, receiver_id in lines:
            plan = plans.setdefault(
                producer_id, {"expected": defaultdict(Decimal), "receivers": set()}
            )
            plan["expected"][code] += expected
            if receiver_id:
                plan["receivers"].add(receiver_id)
        return plans


# ------------------------------------------------------------------------ the rules


def storage_age(scan: Scan) -> Iterable[Finding]:
    limit = int(scan.param("storage_age", "limit_days"))
    before = int(scan.param("storage_age", "warn_days_before"))
    cutoff = scan.now - timedelta(days=limit - before)
    rows = (
        Container.objects.filter(
            status=Container.Status.STORED, stored_at__lte=cutoff, in_storage_kg__gt=0
        )
        .values_list(
            "id",
            "producer_id",
            "waste_code_id",
            "label_code",
            "stored_at",
            "in_storage_kg",
        )
        .order_by()
    )
    for pk, producer_id, code_id, label, stored_at, kg in rows:
        days = (scan.now - stored_at).days
        over = days >= limit
        yield Finding(
            subject=f"container:{pk}:{'over' if over else 'near'}",
            producer_id=producer_id,
            container_id=pk,
            waste_code_id=code_id,
            severity=AnomalyRule.Severity.SERIOUS if over else None,
            evidence={
                "container": label,
                "waste_code": scan.code_text.get(code_id),
                "stored_at": stored_at,
                "days_in_storage": days,
                "limit_days": limit,
                "days_left": limit - days,
                "in_storage_kg": kg,
            },
        )


def weight_mismatch(scan: Scan) -> Iterable[Finding]:
    tolerance = Decimal(str(scan.param("weight_mismatch", "tolerance_percent"))) / 100
    # SQL narrows with a hair of slack; the exact test is in Decimal below, so
    # the tolerance edge does not depend on the database's number type.
    upper, lower = 1 + tolerance - EPSILON, 1 - tolerance + EPSILON
    rows = (
        Manifest.objects.filter(
            status__in=SENT,
            received_kg__isnull=False,
            received_at__gte=scan.now - timedelta(days=365),
        )
        .filter(
            Q(received_kg__gt=F("shipped_kg") * upper)
            | Q(received_kg__lt=F("shipped_kg") * lower)
        )
        .values_list(
            "id",
            "number",
            "producer_id",
            "receiver_id",
            "waste_code_id",
            "shipped_kg",
            "received_kg",
        )
        .order_by()
    )
    for pk, number, producer_id, receiver_id, code_id, shipped, received in rows:
        if shipped <= 0:
            continue
        difference = (received - shipped) / shipped
        if abs(difference) <= tolerance:
            continue
        yield Finding(
            subject=f"manifest:{pk}",
            producer_id=producer_id,
            receiver_id=receiver_id,
            manifest_id=pk,
            waste_code_id=code_id,
            evidence={
                "manifest": number,
                "waste_code": scan.code_text.get(code_id),
                "shipped_kg": shipped,
                "received_kg": received,
                "difference_percent": (difference * 100).quantize(Decimal("0.1")),
                "tolerance_percent": tolerance * 100,
            },
        )


def _permitted():
    through = Receiver.permitted_codes.through
    return through.objects.filter(
        receiver_id=OuterRef("receiver_id"),
        wastecode__code=OuterRef("waste_code__code"),
    )


def receiver_unlicensed(scan: Scan) -> Iterable[Finding]:
    rows = (
        Manifest.objects.filter(status__in=LIVE)
        .filter(~Exists(_permitted()))
        .values_list(
            "id",
            "number",
            "producer_id",
            "receiver_id",
            "waste_code_id",
            "receiver__permit_number",
        )
        .order_by()
    )
    for pk, number, producer_id, receiver_id, code_id, permit in rows:
        yield Finding(
            subject=f"manifest:{pk}",
            producer_id=producer_id,
            receiver_id=receiver_id,
            manifest_id=pk,
            waste_code_id=code_id,
            evidence={
                "manifest": number,
                "waste_code": scan.code_text.get(code_id),
                "permit": permit,
            },
        )


def receiver_permit_expired(scan: Scan) -> Iterable[Finding]:
    rows = (
        Manifest.objects.filter(
            Q(
                status__in=(Manifest.Status.SUBMITTED, Manifest.Status.IN_TRANSIT),
                receiver__permit_valid_until__lt=scan.today,
            )
            | Q(
                status__in=LIVE, received_at__date__gt=F("receiver__permit_valid_until")
            )
        )
        .values_list(
            "id",
            "number",
            "producer_id",
            "receiver_id",
            "receiver__permit_number",
            "receiver__permit_valid_until",
            "received_at",
        )
        .order_by()
    )
    for pk, number, producer_id, receiver_id, permit, valid_until, received_at in rows:
        yield Finding(
            subject=f"manifest:{pk}",
            producer_id=producer_id,
            receiver_id=receiver_id,
            manifest_id=pk,
            evidence={
                "manifest": number,
                "permit": permit,
                "permit_valid_until": valid_until,
                "received_at": received_at,
            },
        )


def receiver_over_capacity(scan: Scan) -> Iterable[Finding]:
    rows = (
        Manifest.objects.filter(status__in=SENT, submitted_at__gte=scan.year_start)
        .values(
            "receiver_id", "receiver__annual_capacity_kg", "receiver__permit_number"
        )
        .annotate(total=Sum("shipped_kg"))
        .filter(
            receiver__annual_capacity_kg__gt=0,
            total__gt=F("receiver__annual_capacity_kg"),
        )
        .order_by()
    )
    for row in rows:
        yield Finding(
            subject=f"receiver:{row['receiver_id']}:{scan.today.year}",
            receiver_id=row["receiver_id"],
            evidence={
                "permit": row["receiver__permit_number"],
                "year": scan.today.year,
                "received_this_year_kg": row["total"],
                "annual_capacity_kg": row["receiver__annual_capacity_kg"],
            },
        )


def manifest_overdue(scan: Scan) -> Iterable[Finding]:
    pickup = int(scan.param("manifest_overdue", "pickup_days"))
    disposal = int(scan.param("manifest_overdue", "disposal_days"))
    closing = int(scan.param("manifest_overdue", "closing_days"))
    status = Manifest.Status
    rows = (
        Manifest.objects.filter(
            Q(
                status=status.SUBMITTED,
                submitted_at__lt=scan.now - timedelta(days=pickup),
            )
            | Q(status=status.IN_TRANSIT, receipt_due_on__lt=scan.today)
            | Q(
                status=status.RECEIVED,
                received_at__lt=scan.now - timedelta(days=disposal),
            )
            | Q(
                status=status.DISPOSED,
                disposed_at__lt=scan.now - timedelta(days=closing),
            )
        )
        .values_list(
            "id",
            "number",
            "producer_id",
            "receiver_id",
            "status",
            "submitted_at",
            "receipt_due_on",
            "received_at",
            "disposed_at",
        )
        .order_by()
    )
    for (
        pk,
        number,
        producer_id,
        receiver_id,
        state,
        submitted,
        due,
        received,
        disposed,
    ) in rows:
        if state == status.SUBMITTED:
            since, due_on = submitted, submitted + timedelta(days=pickup)
        elif state == status.IN_TRANSIT:
            since, due_on = None, due
        elif state == status.RECEIVED:
            since, due_on = received, received + timedelta(days=disposal)
        else:
            since, due_on = disposed, disposed + timedelta(days=closing)
        yield Finding(
            subject=f"manifest:{pk}:{state}",
            producer_id=producer_id,
            receiver_id=receiver_id,
            manifest_id=pk,
            evidence={
                "manifest": number,
                "stage": state,
                "since": since,
                "due": due_on,
            },
        )


def generated_never_sent(scan: Scan) -> Iterable[Finding]:
    age = int(scan.param("generated_never_sent", "age_days") or 180)
    minimum = Decimal(str(scan.param("generated_never_sent", "min_kg")))
    for (producer_id, code_id), row in scan.ledger_totals.items():
        old = row["generated_old"] or ZERO
        sent = row["sent"] or ZERO
        if old - sent > minimum:
            yield Finding(
                subject=f"producer:{producer_id}:code:{code_id}",
                producer_id=producer_id,
                waste_code_id=code_id,
                evidence={
                    "waste_code": scan.code_text.get(code_id),
                    "age_days": age,
                    "generated_before_kg": old,
                    "sent_out_kg": sent,
                    "never_sent_kg": old - sent,
                },
            )


def sent_without_generation(scan: Scan) -> Iterable[Finding]:
    tolerance = (
        Decimal(str(scan.param("sent_without_generation", "tolerance_percent"))) / 100
    )
    shipped = (
        Manifest.objects.filter(status__in=SENT)
        .values("producer_id", "waste_code_id")
        .annotate(total=Sum("shipped_kg"), manifests=Min("number"))
        .order_by()
    )
    for row in shipped:
        key = (row["producer_id"], row["waste_code_id"])
        generated = (scan.ledger_totals.get(key) or {}).get("generated") or ZERO
        if row["total"] > generated * (1 + tolerance):
            yield Finding(
                subject=f"producer:{key[0]}:code:{key[1]}",
                producer_id=key[0],
                waste_code_id=key[1],
                evidence={
                    "waste_code": scan.code_text.get(key[1]),
                    "shipped_on_manifests_kg": row["total"],
                    "generated_in_ledger_kg": generated,
                    "first_manifest": row["manifests"],
                },
            )


def plan_deviation(scan: Scan) -> Iterable[Finding]:
    pct = Decimal(str(scan.param("plan_deviation", "deviation_percent"))) / 100
    min_fraction = Decimal(str(scan.param("plan_deviation", "min_year_fraction")))
    minimum = Decimal(str(scan.param("plan_deviation", "min_kg")))
    fraction = Decimal(scan.today.timetuple().tm_yday) / Decimal(365)
    actual: dict[int, dict[str, tuple[Decimal, int]]] = defaultdict(dict)
    for (producer_id, code_id), row in scan.ledger_totals.items():
        if row["generated_year"]:
            actual[producer_id][scan.code_text[code_id]] = (
                row["generated_year"],
                code_id,
            )
    for producer_id, plan in scan.plans.items():
        codes = set(plan["expected"]) | set(actual.get(producer_id, {}))
        for code in codes:
            expected = plan["expected"].get(code, ZERO)
            done, code_id = actual.get(producer_id, {}).get(code, (ZERO, None))
            kind = None
            if expected == 0 and done >= minimum:
                kind = "not_in_plan"
            elif (
                expected and done > expected * (1 + pct) and done - expected >= minimum
            ):
                kind = "over_plan"
            elif (
                expected
                and fraction >= min_fraction
                and done < expected * fraction * (1 - pct)
                and expected * fraction - done >= minimum
            ):
                kind = "under_plan"
            if kind:
                yield Finding(
                    subject=f"producer:{producer_id}:plan:{scan.today.year}:{code}",
                    producer_id=producer_id,
                    waste_code_id=code_id,
                    evidence={
                        "kind": kind,
                        "year": scan.today.year,
                        "waste_code": code,
                        "planned_kg": expected,
                        "generated_kg": done,
                        "deviation_percent": pct * 100,
                    },
                )


def inactivity(scan: Scan) -> Iterable[Finding]:
    days = int(scan.param("inactivity", "days"))
    cutoff = scan.now - timedelta(days=days)
    last: dict[int, datetime] = {}
    for (producer_id, _code), row in scan.ledger_totals.items():
        if producer_id not in last or row["last_at"] > last[producer_id]:
            last[producer_id] = row["last_at"]
    producers = Producer.objects.filter(
        created_at__lt=cutoff, enterprise__status="operating"
    ).values_list("id", flat=True)
    for producer_id in producers:
        at = last.get(producer_id)
        if at is None or at < cutoff:
            yield Finding(
                subject=f"producer:{producer_id}",
                producer_id=producer_id,
                evidence={"last_activity": at, "days": days},
            )


def receiver_outside_plan(scan: Scan) -> Iterable[Finding]:
    year = scan.today.year
    planned = PlanLine.objects.filter(
        plan__producer_id=OuterRef("producer_id"),
        plan__year=year,
        plan__status=ManagementPlan.Status.FILED,
    )
    rows = (
        Manifest.objects.filter(status__in=SENT, submitted_at__gte=scan.year_start)
        .filter(Exists(planned.filter(receiver__isnull=False)))
        .filter(~Exists(planned.filter(receiver_id=OuterRef("receiver_id"))))
        .values_list(
            "id", "number", "producer_id", "receiver_id", "receiver__enterprise__name"
        )
        .order_by()
    )
    for pk, number, producer_id, receiver_id, name in rows:
        yield Finding(
            subject=f"manifest:{pk}",
            producer_id=producer_id,
            receiver_id=receiver_id,
            manifest_id=pk,
            evidence={
                "manifest": number,
                "receiver": name,
                "planned_receivers": sorted(
                    scan.plans.get(producer_id, {}).get("receivers", set())
                ),
            },
        )


RULES: dict[str, Callable[[Scan], Iterable[Finding]]] = {
    "storage_age": storage_age,
    "weight_mismatch": weight_mismatch,
    "receiver_unlicensed": receiver_unlicensed,
    "receiver_permit_expired": receiver_permit_expired,
    "receiver_over_capacity": receiver_over_capacity,
    "manifest_overdue": manifest_overdue,
    "generated_never_sent": generated_never_sent,
    "sent_without_generation": sent_without_generation,
    "plan_deviation": plan_deviation,
    "inactivity": inactivity,
    "receiver_outside_plan": receiver_outside_plan,
}


# the rules that read the ledger (``Scan.ledger_totals``): run again after a
# review decision changes which entries count
LEDGER_RULES = (
    "generated_never_sent",
    "sent_without_generation",
    "plan_deviation",
    "inactivity",
)


def rules_ensure() -> dict[str, AnomalyRule]:
    """Every rule exists with its defaults (admins edit them afterwards)."""
    existing = {rule.code: rule for rule in AnomalyRule.objects.all()}
    missing = [
        AnomalyRule(code=code, severity=severity, parameters=parameters)
        for code, (severity, parameters) in DEFAULT_RULES.items()
        if code not in existing
    ]
    AnomalyRule.objects.bulk_create(missing, ignore_conflicts=True)
    return {rule.code: rule for rule in AnomalyRule.objects.all()}


def _write(
    rule: AnomalyRule, findings: list[Finding], now: datetime
) -> tuple[int, int, int]:
    current = {
        w.subject: w
        for w in AnomalyWarning.objects.filter(
            rule=rule, status=AnomalyWarning.Status.OPEN
        ).only("id", "subject", "evidence", "severity")
    }
    # resolved by a scan, a finding may come back; settled by staff (dismissed,
    # a ticket, an inspection), it does not
    handled = set(
        AnomalyWarning.objects.filter(rule=rule)
        .exclude(status=AnomalyWarning.Status.OPEN)
        .exclude(status=AnomalyWarning.Status.RESOLVED, handled_by__isnull=True)
        .values_list("subject", flat=True)
    )
    create, changed, seen = [], [], []
    found = set()
    for finding in findings:
        if finding.subject in found:
            continue
        found.add(finding.subject)
        evidence = _json(finding.evidence)
        severity = finding.severity or rule.severity
        warning = current.get(finding.subject)
        if warning is not None:
            seen.append(warning.pk)
            if warning.evidence != evidence or warning.severity != severity:
                warning.evidence, warning.severity = evidence, severity
                changed.append(warning)
        elif finding.subject not in handled:
            create.append(
                AnomalyWarning(
                    rule=rule,
                    subject=finding.subject,
                    producer_id=finding.producer_id,
                    receiver_id=finding.receiver_id,
                    manifest_id=finding.manifest_id,
                    container_id=finding.container_id,
                    waste_code_id=finding.waste_code_id,
                    severity=severity,
                    evidence=evidence,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
    AnomalyWarning.objects.bulk_create(create, batch_size=2000)
    AnomalyWarning.objects.bulk_update(
        changed, ["evidence", "severity"], batch_size=2000
    )
    gone = [w.pk for subject, w in current.items() if subject not in found]
    if seen:  # every open warning of the rule that is still found
        AnomalyWarning.objects.filter(
            rule=rule, status=AnomalyWarning.Status.OPEN, first_seen_at__lt=now
        ).exclude(pk__in=gone).update(last_seen_at=now)
    for start in range(0, len(gone), 20000):
        AnomalyWarning.objects.filter(pk__in=gone[start : start + 20000]).update(
            status=AnomalyWarning.Status.RESOLVED, handled_at=now, updated_at=now
        )
    _recompute_health_codes([w.pk for w in create] + gone)
    return len(create), len(seen), len(gone)


def _recompute_health_codes(warning_ids: list[int]) -> None:
    """New and settled warnings change their enterprises' health codes: one
    queued recompute per enterprise (a large scan leaves it to the nightly run)."""
    if not warning_ids or len(warning_ids) > 500:
        return
    enterprises = set(
        AnomalyWarning.objects.filter(pk__in=warning_ids).values_list(
            "producer__enterprise_id", "receiver__enterprise_id"
        )
    )
    for enterprise_id in {e for pair in enterprises for e in pair if e is not None}:
        health_code_request_recompute(enterprise_id=enterprise_id)


def anomaly_scan(
    *, now: datetime | None = None, only: Iterable[str] | None = None
) -> ScanReport:
    """Run every enabled rule over all producers and update the warnings."""
    now = now or timezone.now()
    rules = {code: rule for code, rule in rules_ensure().items() if rule.enabled}
    if only is not None:
        rules = {code: rule for code, rule in rules.items() if code in set(only)}
    scan = Scan(now=now, rules=rules)
    report = ScanReport()
    for code, rule in rules.items():
        findings = list(RULES[code](scan))
        with transaction.atomic():
            created, refreshed, resolved = _write(rule, findings, now)
        report.created += created
        report.refreshed += refreshed
        report.resolved += resolved
        report.by_rule[code] = len(findings)
    return report


# ----------------------------------------------------------------- handling warnings


def _staff_lock(*, warning: AnomalyWarning, user) -> AnomalyWarning:
    if not user_scope(user=user).is_staff_member:
        raise PermissionDenied(_("Only bureau and street staff handle warnings."))
    warning = AnomalyWarning.objects.select_for_update().get(pk=warning.pk)
    if warning.status != AnomalyWarning.Status.OPEN:
        raise Conflict(_("The warning has already been handled."))
    return warning


@transaction.atomic
def warning_dismiss(
    *, warning: AnomalyWarning, user, reason: str, now: datetime | None = None
) -> AnomalyWarning:
    """Dismiss with a reason; the same finding is not raised again."""
    warning = _staff_lock(warning=warning, user=user)
    if not (reason or "").strip():
        raise InvalidInput(fields={"reason": [_("Give the reason for dismissing.")]})
    warning.status = AnomalyWarning.Status.DISMISSED
    warning.handling_note = reason.strip()
    warning.handled_by = user
    warning.handled_at = now or timezone.now()
    warning.save()
    _recompute_health_codes([warning.pk])
    return warning


def _enterprise_concerned(warning: AnomalyWarning) -> Enterprise:
    enterprise = warning.enterprise_concerned
    if enterprise is None:
        raise InvalidInput(
            fields={"enterprise": [_("The warning names no enterprise.")]}
        )
    return enterprise


def _warning_ticket_text(warning: AnomalyWarning) -> str:
    lines = [f"{warning.rule.get_code_display()} · {warning.get_severity_display()}"]
    lines += [f"{label}: {value}" for label, value in warning.evidence_rows()]
    return "\n".join(lines)[:4000]


@transaction.atomic
def warning_open_ticket(
    *, warning: AnomalyWarning, user, note: str = "", now: datetime | None = None
) -> AnomalyWarning:
    """Turn a warning into a grid ticket at the enterprise concerned (producer,
    else receiver), for the street's officers to check on site. The ticket's
    reference is kept on the warning; a ticket the grid refuses (an enterprise
    outside every street) leaves the warning open and names the field."""
    from grid.models import Ticket
    from grid.services import ticket_open

    warning = _staff_lock(warning=warning, user=user)
    enterprise = _enterprise_concerned(warning)
    ticket = ticket_open(
        category="waste",
        source=Ticket.Source.HAZWASTE_WARNING,
        description=_warning_ticket_text(warning),
        lon=enterprise.lon,
        lat=enterprise.lat,
        address=enterprise.address,
        enterprise=enterprise,
        reporter=user,
        origin=f"hazwaste.warning:{warning.pk}",
        occurred_at=warning.first_seen_at,
    )
    warning.status = AnomalyWarning.Status.TICKET
    warning.handling_note = " ".join(
        part for part in (ticket.reference, (note or "").strip()) if part
    )[:500]
    warning.handled_by = user
    warning.handled_at = now or timezone.now()
    warning.save()
    return warning


@transaction.atomic
def warning_send_to_inspection(
    *, warning: AnomalyWarning, user, note: str = "", now: datetime | None = None
) -> AnomalyWarning:
    """Ask for an on-site inspection of the enterprise concerned (producer, else
    receiver). The warning is settled when an inspection of that enterprise is
    recorded for a visit on or after this day."""
    warning = _staff_lock(warning=warning, user=user)
    _enterprise_concerned(warning)
    warning.status = AnomalyWarning.Status.INSPECTION
    warning.handling_note = (note or "").strip()[:500]
    warning.handled_by = user
    warning.handled_at = now or timezone.now()
    warning.save()
    return warning


def warnings_resolve_by_inspection(
    *, inspection: Inspection, now: datetime | None = None
) -> int:
    """Settle the enterprise's warnings sent to inspection on or before the day
    of the visit (status "settled by inspection", the inspection named on each);
    who sent them and when stay as they were. Returns how many were settled."""
    enterprise_id = inspection.enterprise_id
    named = _("Inspection no. %(number)s of %(date)s.") % {
        "number": inspection.pk,
        "date": inspection.inspected_on.isoformat(),
    }
    resolved = (
        AnomalyWarning.objects.filter(
            Q(producer__enterprise_id=enterprise_id)
            | Q(producer__isnull=True, receiver__enterprise_id=enterprise_id),
            status=AnomalyWarning.Status.INSPECTION,
            handled_at__date__lte=inspection.inspected_on,
        )
        .order_by()
        .update(
            status=AnomalyWarning.Status.INSPECTED,
            handling_note=Left(
                Trim(Concat(Value(f"{named} "), F("handling_note"))), 500
            ),
            updated_at=now or timezone.now(),
        )
    )
    if resolved:
        health_code_request_recompute(enterprise_id=enterprise_id)
    return resolved
