"""Review of enterprise-reported ledger entries (台账审核): bureau staff validate
or invalidate chosen entries in bulk, with a reason, on the record. An
invalidated entry no longer counts (``LedgerEntry.objects.usable()``): the
anomaly rules that read the ledger are run again after the decision, so their
warnings - and with them the health code - follow."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, PermissionDenied
from grid.selectors import user_scope
from hazwaste.models import LedgerEntry, LedgerReviewDecision, LedgerReviewItem
from hazwaste.services.anomalies import LEDGER_RULES

MAX_ENTRIES_PER_DECISION = 10_000
DECISIONS = (LedgerEntry.ReviewState.VALIDATED, LedgerEntry.ReviewState.INVALID)


def _entry_ids(entries) -> list[int]:
    ids = []
    for value in entries:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise InvalidInput(
                fields={
                    "entries": [
                        _("Not a ledger entry of this list: %s") % str(value)[:60]
                    ]
                }
            ) from None
    return list(dict.fromkeys(ids))


def too_many_entries_message() -> str:
    return _("Ledger entries: at most %(max)s in one decision; split the batch.") % {
        "max": f"{MAX_ENTRIES_PER_DECISION:,}"
    }


def _rescan_after_commit() -> None:
    from hazwaste.tasks import anomaly_scan_task

    transaction.on_commit(lambda: anomaly_scan_task.delay(only=list(LEDGER_RULES)))


@transaction.atomic
def ledger_entries_decide(
    *, user, entries: list, state: str, reason: str
) -> LedgerReviewDecision:
    """Validate or invalidate the named ledger entries (ids), all or none: more
    than 10,000, or one that does not exist in the user's scope, is a 400 naming
    ``entries`` and nothing changes. The decision names every entry with the
    state it had before; entries are never deleted or edited otherwise."""
    if not user_scope(user=user).is_bureau:
        raise PermissionDenied(_("Only bureau staff review ledger entries."))
    if state not in DECISIONS:
        raise InvalidInput(fields={"state": [_("Validate or invalidate.")]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for the decision.")]})
    if not entries:
        raise InvalidInput(fields={"entries": [_("No ledger entry selected.")]})
    if len(entries) > MAX_ENTRIES_PER_DECISION:
        raise InvalidInput(fields={"entries": [too_many_entries_message()]})
    ids = _entry_ids(entries)
    districts = dict(
        LedgerEntry.objects.for_user(user)
        .filter(pk__in=ids)
        .values_list("pk", "producer__enterprise__street__district_id")
    )
    if len(districts) != len(ids):
        raise InvalidInput(
            fields={
                "entries": [
                    _(
                        "%(n)s of the ledger entries do not exist or are not yours "
                        "to review."
                    )
                    % {"n": len(ids) - len(districts)}
                ]
            }
        )
    # the states under lock: a concurrent decision is recorded as the one before
    before = dict(
        LedgerEntry.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "review_state")
    )
    changing = [pk for pk in ids if before[pk] != state]
    LedgerEntry.objects.filter(pk__in=changing).update(review_state=state)
    decision = LedgerReviewDecision.objects.create(
        district_id=districts[ids[0]],
        decided_by=user,
        state=state,
        reason=reason,
        count=len(changing),
    )
    LedgerReviewItem.objects.bulk_create(
        [
            LedgerReviewItem(decision=decision, entry_id=pk, state_before=before[pk])
            for pk in ids
        ],
        batch_size=2000,
    )
    if changing:
        _rescan_after_commit()
    return decision
