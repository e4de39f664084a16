"""Health codes (绿盾通): the risk model, the set-based scoring engine and the
runs that recompute every enterprise (the arithmetic is in enforcement.scoring).

Each provider's rows are aggregated per enterprise in SQL (decay included), a
chunk of enterprises at a time; Python only adds up a handful of numbers per
enterprise and writes the chunk back in bulk."""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.locks import advisory_lock
from core.models import Notification
from core.notifications import notify
from enforcement.models import (
    Colour,
    Enterprise,
    HealthCode,
    HealthCodeChange,
    RecomputeRun,
    RiskModel,
)
from enforcement.registry import Factor, factors
from enforcement.scoring import (
    FactorParams,
    ModelSnapshot,
    score_enterprise,
    top_factor,
)
from enforcement.services.health_io import (
    IN_LIST_IDS,
    ChangeRow,
    QueryFactorSource,
    SqlScoring,
    parallel,
    store_changes,
    store_codes,
)
from grid.models import Membership

logger = logging.getLogger(__name__)

CHUNK_SIZE = 25_000
RECOMPUTE_LOCK = "enforcement.health_codes_recompute_all"


def model_snapshot(model: RiskModel) -> ModelSnapshot:
    return ModelSnapshot(
        model_id=model.pk,
        version=model.version,
        yellow_from=model.yellow_from,
        red_from=model.red_from,
        factors=tuple(
            FactorParams(
                name=f.factor,
                weight=float(f.weight),
                half_life_days=f.half_life_days,
                cap=None if f.cap is None else float(f.cap),
                veto_at=None if f.veto_at is None else float(f.veto_at),
            )
            for f in model.factors.order_by("factor")
        ),
    )


def active_model_snapshot() -> ModelSnapshot:
    model = RiskModel.objects.active().first()
    if model is None:
        raise Conflict(_("There is no active risk model."), code="no_risk_model")
    return model_snapshot(model)


def registered_factors(snapshot: ModelSnapshot) -> list[tuple[Factor, FactorParams]]:
    """The model's factors that an app registered, in model order."""
    registered = factors()
    pairs = []
    for params in snapshot.factors:
        factor = registered.get(params.name)
        if factor is None:
            logger.warning("risk model factor %s is not registered", params.name)
            continue
        pairs.append((factor, params))
    return pairs


def _recompute_ids(
    *,
    snapshot: ModelSnapshot,
    enterprise_ids: list[int],
    source,
    as_of: date,
    now: datetime,
    trigger: str,
    first_codes_are_history: bool = True,
) -> list[HealthCodeChange]:
    """Compute and store the codes of the given enterprises (sorted ids, one
    chunk); return the colour changes written."""
    if not enterprise_ids:
        return []
    first_id, last_id = enterprise_ids[0], enterprise_ids[-1]
    per_factor = source.chunk(enterprise_ids)
    # Lock the current codes of the chunk so an event recompute of one of them
    # waits instead of writing a colour change twice.
    previous = {
        enterprise_id: (colour, since)
        for enterprise_id, colour, since in HealthCode.objects.select_for_update()
        .filter(enterprise_id__gte=first_id, enterprise_id__lte=last_id)
        .values_list("enterprise_id", "colour", "colour_since")
    }
    codes: list[HealthCode] = []
    changes: list[HealthCodeChange] = []
    for enterprise_id in enterprise_ids:
        aggregates = {
            name: rows.get(enterprise_id) for name, rows in per_factor.items()
        }
        score, colour, breakdown, vetoed = score_enterprise(snapshot, aggregates)
        before = previous.get(enterprise_id)
        changed = before is None or before[0] != colour
        codes.append(
            HealthCode(
                enterprise_id=enterprise_id,
                score=score,
                colour=colour,
                model_id=snapshot.model_id,
                as_of=as_of,
                computed_at=now,
                colour_since=now if changed else before[1],
                vetoed_by=vetoed,
                top_factor=top_factor(breakdown, vetoed),
            )
        )
        # The first code is history only when it is not green (an enterprise
        # with nothing against it has no colour change to explain) and not
        # made by the initial run.
        if changed and (
            before is not None or (first_codes_are_history and colour != Colour.GREEN)
        ):
            changes.append(
                HealthCodeChange(
                    enterprise_id=enterprise_id,
                    from_colour=before[0] if before else "",
                    to_colour=colour,
                    score=score,
                    model_id=snapshot.model_id,
                    as_of=as_of,
                    changed_at=now,
                    trigger=trigger,
                    breakdown=breakdown,
                )
            )
    store_codes(codes)
    store_changes(changes)
    return changes


def _record_changes(
    *,
    rows: list[ChangeRow],
    chunk: list[int],
    snapshot: ModelSnapshot,
    factors: list[tuple[Factor, FactorParams]],
    as_of: date,
    now: datetime,
    trigger: str,
) -> list[HealthCodeChange]:
    """Append the colour changes a full run's chunk made, each with the
    breakdown that explains it (the records behind it, read now: of the
    changed enterprises, or of the whole chunk when most of it changed, as on
    the first run)."""
    if not rows:
        return []
    rows = sorted(rows, key=lambda row: row.enterprise_id)
    ids = [row.enterprise_id for row in rows] if len(rows) <= IN_LIST_IDS else chunk
    per_factor = QueryFactorSource(factors, as_of).chunk(ids)
    changes = []
    for row in rows:
        aggregates = {
            name: found.get(row.enterprise_id) for name, found in per_factor.items()
        }
        _score, _colour, breakdown, _vetoed = score_enterprise(snapshot, aggregates)
        changes.append(
            HealthCodeChange(
                enterprise_id=row.enterprise_id,
                from_colour=row.from_colour,
                to_colour=row.to_colour,
                score=row.score,
                model_id=snapshot.model_id,
                as_of=as_of,
                changed_at=now,
                trigger=trigger,
                breakdown=breakdown,
            )
        )
    store_changes(changes)
    return changes


def _responsible_officers(changes: list) -> tuple[dict, dict[int, list]]:
    """The changed enterprises (name, street, cell) and, for each, the officers
    responsible for it (those covering its street or grid cell), worked out for
    all changes at once."""
    enterprises = {
        row["pk"]: row
        for row in Enterprise.objects.filter(
            pk__in=[c.enterprise_id for c in changes]
        ).values("pk", "name", "street_id", "grid_cell_id")
    }
    officers = Membership.objects.active().filter(
        role__in=[Membership.Role.BUREAU_OFFICER, Membership.Role.STREET_OFFICER]
    )
    by_street: dict[int, set[int]] = {}
    for street_id, user_id in officers.filter(
        streets__in={e["street_id"] for e in enterprises.values()}
    ).values_list("streets", "user_id"):
        by_street.setdefault(street_id, set()).add(user_id)
    by_cell: dict[int, set[int]] = {}
    for cell_id, user_id in officers.filter(
        cells__in={e["grid_cell_id"] for e in enterprises.values() if e["grid_cell_id"]}
    ).values_list("cells", "user_id"):
        by_cell.setdefault(cell_id, set()).add(user_id)
    every_user = set().union(*by_street.values(), *by_cell.values())
    users_by_id = get_user_model().objects.in_bulk(every_user)
    responsible = {
        enterprise_id: [
            users_by_id[user_id]
            for user_id in sorted(
                by_street.get(e["street_id"], set())
                | by_cell.get(e["grid_cell_id"], set())
            )
        ]
        for enterprise_id, e in enterprises.items()
    }
    return enterprises, responsible


def _change_line(change, enterprises: dict) -> str:
    labels = dict(Colour.choices)
    return _("%(name)s: health code %(before)s → %(after)s") % {
        "name": enterprises[change.enterprise_id]["name"],
        "before": labels[change.from_colour],
        "after": labels[change.to_colour],
    }


def _notify_colour_changes(changes: list, *, version: int) -> None:
    """Tell the officers responsible for each enterprise that its colour
    changed (an event's recompute), through the platform's notification
    service (in-app bell, and email/SMS/webhooks by preference)."""
    if not changes:
        return
    enterprises, responsible = _responsible_officers(changes)
    for change in changes:
        if change.enterprise_id not in enterprises:
            continue
        notify(
            users=responsible[change.enterprise_id],
            category=Notification.Category.COLOUR_CHANGE,
            title=_change_line(change, enterprises),
            body=_("Score %(score)s under risk model v%(version)s.")
            % {"score": change.score, "version": version},
            url=f"/enterprises/{change.enterprise_id}/#health",
            urgent=change.to_colour == Colour.RED,
        )


DIGEST_LINES = 10  # enterprises named in a full run's notice; the rest counted


def _notify_colour_digest(changes: list, *, version: int) -> None:
    """After a full run, one notice per officer listing the colour changes in
    their area (those to red first), not one per enterprise: a night's decay
    can move hundreds of codes at once."""
    if not changes:
        return
    enterprises, responsible = _responsible_officers(changes)
    per_officer: dict[int, tuple[object, list]] = {}
    for change in changes:
        for user in responsible.get(change.enterprise_id, []):
            per_officer.setdefault(user.pk, (user, []))[1].append(change)
    rank = {Colour.RED: 0, Colour.YELLOW: 1, Colour.GREEN: 2}
    for user, own in per_officer.values():
        own.sort(key=lambda c: (rank[c.to_colour], c.enterprise_id))
        lines = [_change_line(change, enterprises) for change in own[:DIGEST_LINES]]
        if len(own) > DIGEST_LINES:
            lines.append(_("…and %(count)s more.") % {"count": len(own) - DIGEST_LINES})
        to_red = sum(1 for change in own if change.to_colour == Colour.RED)
        notify(
            users=[user],
            category=Notification.Category.COLOUR_CHANGE,
            title=_(
                "Health codes recomputed: %(count)s enterprises changed colour "
                "(%(red)s to red)"
            )
            % {"count": len(own), "red": to_red},
            body="\n".join(
                [
                    *lines,
                    _("Risk model v%(version)s.") % {"version": version},
                ]
            ),
            url=reverse("enforcement:health-overview"),
            urgent=to_red > 0,
        )


def health_code_recompute(
    *,
    enterprise_id: int,
    trigger: str = HealthCodeChange.Trigger.EVENT,
    as_of: date | None = None,
    now: datetime | None = None,
) -> HealthCode | None:
    """Recompute one enterprise's code now (after a new record); None if the
    enterprise is gone."""
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    with transaction.atomic():
        if not Enterprise.objects.filter(pk=enterprise_id).exists():
            return None
        snapshot = active_model_snapshot()
        changes = _recompute_ids(
            snapshot=snapshot,
            enterprise_ids=[enterprise_id],
            source=QueryFactorSource(registered_factors(snapshot), as_of),
            as_of=as_of,
            now=now,
            trigger=trigger,
        )
        _notify_colour_changes(
            [c for c in changes if c.from_colour], version=snapshot.version
        )
    return HealthCode.objects.get(enterprise_id=enterprise_id)


class _QueueRecompute:
    """The on-commit callback of a requested recompute (recognisable, so that a
    transaction asking twice for one enterprise queues one task)."""

    def __init__(self, enterprise_id: int):
        self.enterprise_id = enterprise_id

    def __call__(self) -> None:
        from enforcement.tasks import health_code_recompute_enterprise

        health_code_recompute_enterprise.delay(enterprise_id=self.enterprise_id)


def health_code_request_recompute(*, enterprise_id: int) -> None:
    """Queue a recompute of one enterprise once the current transaction commits
    (a new penalty, a closed ticket, an exceedance…). Other apps call this; an
    enterprise already waiting in this transaction is not queued again (an
    inspection that settles waste warnings asks for it twice, a penalty with its
    rectification order three times)."""
    waiting = transaction.get_connection().run_on_commit
    if any(
        isinstance(callback, _QueueRecompute)
        and callback.enterprise_id == enterprise_id
        for _savepoints, callback, _robust in waiting
    ):
        return
    transaction.on_commit(_QueueRecompute(enterprise_id))


def health_codes_recompute_all(
    *,
    trigger: str = HealthCodeChange.Trigger.SCHEDULED,
    as_of: date | None = None,
    now: datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_chunks: int | None = None,
    workers: int | None = None,
) -> RecomputeRun | None:
    """Recompute every enterprise, a chunk at a time, each chunk in its own
    transaction with the run's progress. Returns None when another worker holds
    the lock. An unfinished run for the same day and model resumes after its
    last enterprise; ``max_chunks`` stops early (tests, throttled runs).
    ``workers`` connections score chunks at once on PostgreSQL (default
    ``HEALTH_RECOMPUTE_WORKERS``, 2)."""
    workers = workers or getattr(settings, "HEALTH_RECOMPUTE_WORKERS", 2)
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    with advisory_lock(RECOMPUTE_LOCK) as acquired:
        if not acquired:
            return None
        snapshot = active_model_snapshot()
        run = _resumable_run(snapshot=snapshot, as_of=as_of)
        if run is None:
            run = RecomputeRun.objects.create(
                trigger=trigger,
                model_id=snapshot.model_id,
                as_of=as_of,
                started_at=now,
                updated_at=now,
                total=Enterprise.objects.count(),
                initial=not HealthCode.objects.exists(),
            )
        factors = registered_factors(snapshot)
        if connection.vendor == "postgresql":
            source = SqlScoring(
                snapshot, factors, as_of, token=str(run.pk), workers=workers
            )
            scoring = source
        else:
            source, scoring = QueryFactorSource(factors, as_of), None
        remaining = list(
            Enterprise.objects.filter(pk__gt=run.last_enterprise_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        every_chunk = _batched(remaining, chunk_size)
        chunks = every_chunk if max_chunks is None else every_chunk[:max_chunks]

        def score(ids: list[int]):
            return lambda: _score_chunk(
                run=run,
                snapshot=snapshot,
                source=source,
                scoring=scoring,
                factors=factors,
                ids=ids,
                as_of=as_of,
                now=now,
            )

        changed: list[HealthCodeChange] = []  # colour changes to tell about
        try:
            # one connection per worker scores chunks; progress is recorded in
            # order, so a resumed run starts after the last unbroken chunk
            # (closed before the work table is dropped: no chunk still runs)
            with closing(parallel([score(c) for c in chunks], workers)) as scored:
                for ids, changes in zip(chunks, scored, strict=True):
                    changed.extend(c for c in changes if c.from_colour)
                    run.last_enterprise_id = ids[-1]
                    run.save(update_fields=["last_enterprise_id"])
            if len(chunks) == len(every_chunk):
                run.refresh_from_db()
                run.status = RecomputeRun.Status.FINISHED
                run.finished_at = timezone.now()
                run.save(update_fields=["status", "finished_at"])
        except Exception as error:
            run.status = RecomputeRun.Status.FAILED
            run.error = repr(error)[:2000]
            run.save(update_fields=["status", "error"])
            raise
        finally:
            source.close()
            # what the committed chunks changed, even when a later one failed
            _notify_colour_digest(changed, version=snapshot.version)
        run.refresh_from_db()
    return run


def _batched(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _score_chunk(
    *, run, snapshot, source, scoring, factors, ids, as_of, now
) -> list[HealthCodeChange]:
    """Score one chunk in its own transaction and count it on the run; return
    its colour changes."""
    with transaction.atomic():
        if scoring is not None:
            changes = _record_changes(
                rows=scoring.run(
                    first_id=ids[0],
                    last_id=ids[-1],
                    size=len(ids),
                    as_of=as_of,
                    now=now,
                    first_codes_are_history=not run.initial,
                ),
                chunk=ids,
                snapshot=snapshot,
                factors=factors,
                as_of=as_of,
                now=now,
                trigger=run.trigger,
            )
        else:
            changes = _recompute_ids(
                snapshot=snapshot,
                enterprise_ids=ids,
                source=source,
                as_of=as_of,
                now=now,
                trigger=run.trigger,
                first_codes_are_history=not run.initial,
            )
        RecomputeRun.objects.filter(pk=run.pk).update(
            done=F("done") + len(ids),
            changed=F("changed") + len(changes),
            updated_at=timezone.now(),
        )
    return changes


def _resumable_run(*, snapshot: ModelSnapshot, as_of: date) -> RecomputeRun | None:
    """The unfinished run to continue: same day and model. Older unfinished runs
    are marked failed (their day has passed; a fresh run covers everyone)."""
    unfinished = RecomputeRun.objects.exclude(status=RecomputeRun.Status.FINISHED)
    run = (
        unfinished.filter(as_of=as_of, model_id=snapshot.model_id)
        .order_by("-started_at")
        .first()
    )
    stale = unfinished.filter(status=RecomputeRun.Status.RUNNING)
    if run is not None:
        stale = stale.exclude(pk=run.pk)
    stale.update(status=RecomputeRun.Status.FAILED, error="superseded")
    if run is not None and run.status == RecomputeRun.Status.FAILED:
        run.status = RecomputeRun.Status.RUNNING
        run.error = ""
        run.save(update_fields=["status", "error"])
    return run
