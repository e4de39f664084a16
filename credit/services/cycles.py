"""Evaluation cycles: open → self-assessment → preliminary colour → staff review →
public notice (objections) → published colours and stickers."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from credit import factors, rules
from credit.models import (
    COLOUR_VALUES,
    Answer,
    CreditCode,
    Cycle,
    Evaluation,
    Objection,
    Scheme,
    Sticker,
    new_sticker_token,
)
from credit.services._common import (
    checked_evidence,
    now_or,
    public_cache_invalidate,
    record,
    require_account,
    require_bureau,
    required_text,
)
from enforcement.models import Enterprise
from grid.models import District, Street
from grid.selectors import user_scope

BATCH = 5000


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _lock_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _transition(cycle: Cycle, *, to: str, user, now, reason: str = "") -> None:
    record(
        subject="cycle",
        subject_id=cycle.pk,
        action=f"cycle_{to}",
        at=now,
        actor=user,
        cycle_id=cycle.pk,
        from_state=cycle.state,
        to_state=to,
        reason=reason,
    )
    cycle.state = to


def cycle_enterprises(*, scheme: Scheme, district: District, streets=()):
    queryset = Enterprise.objects.filter(
        street__district=district,
        sector__in=scheme.enterprise_sectors(),
        status=Enterprise.Status.OPERATING,
    )
    street_ids = [street.pk for street in streets]
    if street_ids:
        queryset = queryset.filter(street_id__in=street_ids)
    return queryset


@transaction.atomic
def cycle_open(
    *,
    user,
    scheme: Scheme,
    district: District,
    name: str,
    period_start: date,
    period_end: date,
    self_assessment_due: datetime,
    streets: list[Street] | tuple = (),
    notice_days: int | None = None,
    appeal_days: int | None = None,
    valid_until: date | None = None,
    now: datetime | None = None,
) -> Cycle:
    """Open a cycle and create one pending evaluation per enterprise in scope."""
    require_bureau(user)
    now = now_or(now)
    scope = user_scope(user=user)
    if not scope.is_superuser and district.pk not in scope.district_ids:
        raise PermissionDenied(_("The district is not yours."))
    problems: dict[str, list[str]] = {}
    if not scheme.is_active:
        problems["scheme"] = [_("This scheme version is no longer active.")]
    if period_end < period_start:
        problems["period_end"] = [_("The period ends before it starts.")]
    if self_assessment_due <= now:
        problems["self_assessment_due"] = [_("The deadline must be in the future.")]
    if any(street.district_id != district.pk for street in streets):
        problems["streets"] = [_("Every street must be in the district.")]
    valid_until = valid_until or period_end + timedelta(days=scheme.validity_days)
    if valid_until <= period_end:
        problems["valid_until"] = [_("The colour must stay valid after the period.")]
    if problems:
        raise InvalidInput(fields=problems)
    cycle = Cycle.objects.create(
        scheme=scheme,
        district=district,
        name=required_text(name, "name"),
        period_start=period_start,
        period_end=period_end,
        self_assessment_due=self_assessment_due,
        notice_days=scheme.notice_days if notice_days is None else notice_days,
        appeal_days=scheme.appeal_days if appeal_days is None else appeal_days,
        valid_until=valid_until,
        opened_by=user,
    )
    if streets:
        cycle.streets.set(streets)
    enterprise_ids = cycle_enterprises(
        scheme=scheme, district=district, streets=streets
    ).values_list("id", flat=True)
    Evaluation.objects.bulk_create(
        (Evaluation(cycle=cycle, enterprise_id=pk) for pk in enterprise_ids.iterator()),
        batch_size=BATCH,
    )
    record(
        subject="cycle",
        subject_id=cycle.pk,
        action="cycle_open",
        at=now,
        actor=user,
        cycle_id=cycle.pk,
        to_state=Cycle.State.OPEN,
    )
    return cycle


# ----------------------------------------------------------------- self-assessment


@transaction.atomic
def evaluation_self_assess(
    *, evaluation: Evaluation, user, answers: dict, now: datetime | None = None
) -> Evaluation:
    """Record the enterprise's answers to every item (replacing earlier ones while
    the cycle is open) and show the preliminary colour they lead to.

    ``answers`` maps item codes to ``{"value": "yes"|"no"|"na", "note": str,
    "evidence": UploadedFile | None}``.
    """
    now = now_or(now)
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cycle__scheme", "enterprise")
        .get(pk=evaluation.pk)
    )
    require_account(user, evaluation.enterprise)
    cycle = evaluation.cycle
    if cycle.state != Cycle.State.OPEN or now > cycle.self_assessment_due:
        raise Conflict(
            _("The self-assessment of this cycle closed on %(date)s.")
            % {"date": _local(cycle.self_assessment_due)},
            code="cycle_closed",
        )
    items = list(cycle.scheme.items.all())
    existing = {answer.item_id: answer for answer in evaluation.answers.all()}
    problems: dict[str, list[str]] = {}
    rows: list[Answer] = []
    digests: dict[str, str] = {}
    for item in items:
        given = answers.get(item.code) or {}
        value = given.get("value")
        if value not in Answer.Value.values:
            problems[item.code] = [_("Answer this item.")]
            continue
        if value == Answer.Value.NOT_APPLICABLE and not item.allow_not_applicable:
            problems[item.code] = [_("This item always applies.")]
            continue
        upload = given.get("evidence")
        previous = existing.get(item.pk)
        if upload:
            try:
                digests[item.code] = checked_evidence(upload, item.code)
            except InvalidInput as error:
                problems.update(error.fields)
                continue
        has_evidence = bool(upload) or bool(previous and previous.evidence)
        if item.evidence_required and value == Answer.Value.YES and not has_evidence:
            problems[item.code] = [
                _("Upload the required evidence: %(hint)s")
                % {"hint": item.evidence_hint or item.text}
            ]
            continue
        answer = previous or Answer(evaluation=evaluation, item=item)
        answer.value, answer.note = value, str(given.get("note") or "")[:500]
        if upload:
            answer.evidence.save(upload.name, upload, save=False)
            answer.evidence_sha256 = digests[item.code]
        rows.append(answer)
    if problems:
        raise InvalidInput(
            _("Some answers are missing or incomplete."), fields=problems
        )
    for answer in rows:
        answer.save()
    first = evaluation.submitted_at is None
    evaluation.submitted_at, evaluation.submitted_by = now, user
    _compute([evaluation], cycle=cycle, now=now)
    evaluation.save()
    record(
        subject="evaluation",
        subject_id=evaluation.pk,
        action="self_assessed" if first else "self_assessment_revised",
        at=now,
        actor=user,
        enterprise_id=evaluation.enterprise_id,
        cycle_id=cycle.pk,
        to_state=evaluation.preliminary_colour,
    )
    return evaluation


def _compute(evaluations: list[Evaluation], *, cycle: Cycle, now: datetime) -> None:
    """Preliminary colour of each evaluation from its answers and official records,
    following the scheme's rule. Two queries whatever the number of evaluations."""
    rule = cycle.scheme.rule
    by_evaluation: dict[int, list] = defaultdict(list)
    ids = [evaluation.pk for evaluation in evaluations if evaluation.submitted_at]
    for start in range(0, len(ids), BATCH):
        rows = Answer.objects.filter(
            evaluation_id__in=ids[start : start + BATCH]
        ).values_list(
            "evaluation_id", "item__weight", "value", "item__is_veto", "item__code"
        )
        for evaluation_id, weight, value, is_veto, code in rows:
            by_evaluation[evaluation_id].append((weight, value, is_veto, code))
    names = [factor["name"] for factor in rule.get("factors", [])]
    records = factors.official_factor_values(
        names=names,
        enterprise_ids=[evaluation.enterprise_id for evaluation in evaluations],
        as_of=now,
        rule=rule,
    )
    for evaluation in evaluations:
        answers = by_evaluation.get(evaluation.pk, [])
        assessed = evaluation.submitted_at is not None
        self_score = (
            rules.self_assessment_score([(w, v) for w, v, _veto, _c in answers])
            if assessed
            else None
        )
        failed = [code for _w, value, veto, code in answers if veto and value == "no"]
        values = records.get(evaluation.enterprise_id, {})
        result = rules.apply_rule(
            rule, self_score=self_score, failed_veto_items=failed, factor_values=values
        )
        evaluation.self_score = self_score
        evaluation.veto_failed = bool(failed)
        evaluation.no_self_assessment = not assessed
        evaluation.factor_values = values
        evaluation.score = result.score
        evaluation.reasons = result.reasons
        evaluation.preliminary_colour = result.colour
        if evaluation.decided_by_id is None:
            evaluation.proposed_colour = result.colour


def _save_grouped(evaluations: list[Evaluation], *, now: datetime) -> None:
    """One UPDATE per distinct result: most enterprises share one (all who did not
    self-assess and have the same records), and a CASE-per-row bulk_update of
    thousands of rows is slow on PostgreSQL."""
    groups: dict[str, list[int]] = defaultdict(list)
    values: dict[str, dict] = {}
    for evaluation in evaluations:
        row = {
            name: getattr(evaluation, name)
            for name in COMPUTED_FIELDS
            if name != "updated_at"
        }
        key = json.dumps(row, sort_keys=True, default=str)
        groups[key].append(evaluation.pk)
        values[key] = row
    for key, ids in groups.items():
        Evaluation.objects.filter(pk__in=ids).update(updated_at=now, **values[key])


COMPUTED_FIELDS = [
    "self_score",
    "veto_failed",
    "no_self_assessment",
    "factor_values",
    "score",
    "reasons",
    "preliminary_colour",
    "proposed_colour",
    "updated_at",
]


@transaction.atomic
def cycle_close_self_assessment(
    *, cycle: Cycle, user, now: datetime | None = None
) -> Cycle:
    """Close self-assessment and compute every preliminary colour; enterprises
    that did not self-assess get a result from records alone and are flagged."""
    require_bureau(user)
    now = now_or(now)
    cycle = _lock_cycle(cycle)
    if cycle.state != Cycle.State.OPEN:
        raise Conflict(_("Self-assessment is not open in this cycle."))
    cycle = Cycle.objects.select_related("scheme").get(pk=cycle.pk)
    queryset = Evaluation.objects.filter(cycle=cycle).order_by("id")
    last_id = 0
    while True:
        chunk = list(queryset.filter(id__gt=last_id)[:BATCH])
        if not chunk:
            break
        _compute(chunk, cycle=cycle, now=now)
        _save_grouped(chunk, now=now)
        last_id = chunk[-1].pk
    _transition(cycle, to=Cycle.State.REVIEW, user=user, now=now)
    cycle.save()
    return cycle


@transaction.atomic
def evaluation_adjust(
    *,
    evaluation: Evaluation,
    user,
    colour: str,
    reason: str,
    now: datetime | None = None,
) -> Evaluation:
    """Staff change the proposed colour; the reason is mandatory and recorded."""
    require_bureau(user)
    now = now_or(now)
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cycle")
        .get(pk=evaluation.pk)
    )
    if evaluation.cycle.state not in (Cycle.State.REVIEW, Cycle.State.NOTICE):
        raise Conflict(_("Results can be adjusted only during review or notice."))
    if colour not in COLOUR_VALUES:
        raise InvalidInput(fields={"colour": [_("Unknown colour.")]})
    reason = required_text(
        reason, "reason", _("Give the reason for changing the colour.")
    )
    previous = evaluation.proposed_colour
    evaluation.proposed_colour = colour
    evaluation.adjustment_reason = reason
    evaluation.decided_by = user
    evaluation.save()
    record(
        subject="evaluation",
        subject_id=evaluation.pk,
        action="adjusted",
        at=now,
        actor=user,
        enterprise_id=evaluation.enterprise_id,
        cycle_id=evaluation.cycle_id,
        from_state=previous,
        to_state=colour,
        reason=reason,
    )
    return evaluation


@transaction.atomic
def cycle_start_notice(*, cycle: Cycle, user, now: datetime | None = None) -> Cycle:
    """Publish the proposed results for objections during the notice window."""
    require_bureau(user)
    now = now_or(now)
    cycle = _lock_cycle(cycle)
    if cycle.state != Cycle.State.REVIEW:
        raise Conflict(_("The cycle is not in review."))
    cycle.notice_started_at = now
    cycle.notice_ends_at = now + timedelta(days=cycle.notice_days)
    _transition(cycle, to=Cycle.State.NOTICE, user=user, now=now)
    cycle.save()
    return cycle


@transaction.atomic
def objection_file(
    *, evaluation: Evaluation, user, text: str, now: datetime | None = None
) -> Objection:
    """An objection to a proposed result, only while the notice runs. The
    enterprise files its own; staff file those received from the public."""
    now = now_or(now)
    evaluation = Evaluation.objects.select_related("cycle", "enterprise").get(
        pk=evaluation.pk
    )
    require_account(user, evaluation.enterprise)
    cycle = evaluation.cycle
    if cycle.state != Cycle.State.NOTICE:
        raise InvalidInput(
            fields={"evaluation": [_("The result is not under public notice.")]}
        )
    if now >= cycle.notice_ends_at:
        raise InvalidInput(
            fields={
                "text": [
                    _("The notice period ended on %(date)s; objections are closed.")
                    % {"date": _local(cycle.notice_ends_at)}
                ]
            }
        )
    objection = Objection.objects.create(
        evaluation=evaluation,
        filed_by=user,
        text=required_text(text, "text")[:2000],
    )
    record(
        subject="objection",
        subject_id=objection.pk,
        action="objection_filed",
        at=now,
        actor=user,
        enterprise_id=evaluation.enterprise_id,
        cycle_id=cycle.pk,
        to_state=Objection.State.OPEN,
    )
    return objection


@transaction.atomic
def objection_resolve(
    *,
    objection: Objection,
    user,
    upheld: bool,
    resolution: str,
    colour: str = "",
    now: datetime | None = None,
) -> Objection:
    require_bureau(user)
    now = now_or(now)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != Objection.State.OPEN:
        raise Conflict(_("The objection was already resolved."))
    resolution = required_text(resolution, "resolution")
    to = Objection.State.UPHELD if upheld else Objection.State.DISMISSED
    record(
        subject="objection",
        subject_id=objection.pk,
        action="objection_resolved",
        at=now,
        actor=user,
        enterprise_id=objection.evaluation.enterprise_id,
        cycle_id=objection.evaluation.cycle_id,
        from_state=objection.state,
        to_state=to,
        reason=resolution,
    )
    objection.state, objection.resolution, objection.resolved_by = to, resolution, user
    objection.save()
    if upheld and colour:
        evaluation_adjust(
            evaluation=objection.evaluation,
            user=user,
            colour=colour,
            reason=resolution,
            now=now,
        )
    return objection


@transaction.atomic
def cycle_publish(*, cycle: Cycle, user, now: datetime | None = None) -> Cycle:
    """After the notice window, publish the final colours: every enterprise in the
    cycle gets a new current code and a new sticker (the old ones are superseded).
    The code rows are the record of this change (colour, reason, who, when), so
    no extra record line is written per enterprise. Set-based: a fixed number of
    statements per 5,000 enterprises."""
    require_bureau(user)
    now = now_or(now)
    cycle = _lock_cycle(cycle)
    if cycle.state != Cycle.State.NOTICE:
        raise Conflict(_("The cycle is not under public notice."))
    if now < cycle.notice_ends_at:
        raise Conflict(
            _("The public notice runs until %(date)s.")
            % {"date": _local(cycle.notice_ends_at)},
            code="notice_running",
        )
    if Objection.objects.filter(
        evaluation__cycle=cycle, state=Objection.State.OPEN
    ).exists():
        raise Conflict(_("Resolve the open objections first."), code="objections_open")

    evaluations = Evaluation.objects.filter(cycle=cycle)
    evaluations.update(final_colour=F("proposed_colour"), updated_at=now)
    evaluations.filter(decided_by__isnull=True).update(decided_by=user)
    rows = list(evaluations.values_list("id", "enterprise_id", "final_colour"))
    enterprise_ids = [enterprise_id for _id, enterprise_id, _c in rows]
    reason = _("Published result of %(cycle)s") % {"cycle": cycle.name}
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        ids = [enterprise_id for _id, enterprise_id, _c in chunk]
        public_cache_invalidate(enterprise_ids=ids)
        CreditCode.objects.filter(enterprise_id__in=ids, is_current=True).update(
            is_current=False, superseded_at=now, updated_at=now
        )
        Sticker.objects.filter(enterprise_id__in=ids, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason
        )
        codes = CreditCode.objects.bulk_create(
            [
                CreditCode(
                    enterprise_id=enterprise_id,
                    colour=colour,
                    source=CreditCode.Source.CYCLE,
                    evaluation_id=evaluation_id,
                    valid_from=now,
                    valid_until=cycle.valid_until,
                    reason=reason,
                    decided_by=user,
                    created_at=now,
                    updated_at=now,
                )
                for evaluation_id, enterprise_id, colour in chunk
            ]
        )
        if any(code.pk is None for code in codes):  # backends without RETURNING
            by_enterprise = dict(
                CreditCode.objects.filter(
                    enterprise_id__in=ids, is_current=True
                ).values_list("enterprise_id", "id")
            )
            for code in codes:
                code.pk = code.id = by_enterprise[code.enterprise_id]
        Sticker.objects.bulk_create(
            Sticker(
                enterprise_id=code.enterprise_id,
                code_id=code.pk,
                token=new_sticker_token(),
                issued_at=now,
                issued_by=user,
            )
            for code in codes
        )
    cycle.published_at, cycle.published_by = now, user
    _transition(cycle, to=Cycle.State.PUBLISHED, user=user, now=now)
    cycle.save()
    transaction.on_commit(
        lambda: public_cache_invalidate(enterprise_ids=enterprise_ids)
    )
    return cycle
