"""Scheme versions: a change to a scheme in use makes a new version."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from core.errors import InvalidInput
from credit import rules
from credit.models import Scheme, SchemeItem
from credit.services._common import require_bureau


def scheme_validate_rule(rule) -> dict:
    problems = rules.validate_rule(rule)
    if problems:
        raise InvalidInput(fields={"rule": problems})
    return rule


@transaction.atomic
def scheme_new_version(*, scheme: Scheme, user, rule: dict | None = None) -> Scheme:
    """Copy a scheme and its items into the next version (inactive until
    activated); cycles already opened keep the version they used."""
    require_bureau(user)
    rule = scheme_validate_rule(rule if rule is not None else scheme.rule)
    latest = Scheme.objects.filter(sector=scheme.sector).aggregate(v=Max("version"))
    copy = Scheme.objects.create(
        sector=scheme.sector,
        version=latest["v"] + 1,
        name=scheme.name,
        description=scheme.description,
        rule=rule,
        requirements=scheme.requirements,
        notice_days=scheme.notice_days,
        appeal_days=scheme.appeal_days,
        validity_days=scheme.validity_days,
        is_active=False,
    )
    SchemeItem.objects.bulk_create(
        SchemeItem(
            scheme=copy,
            code=item.code,
            group=item.group,
            text=item.text,
            weight=item.weight,
            evidence_required=item.evidence_required,
            evidence_hint=item.evidence_hint,
            is_veto=item.is_veto,
            allow_not_applicable=item.allow_not_applicable,
            order=item.order,
        )
        for item in scheme.items.all()
    )
    return copy


@transaction.atomic
def scheme_activate(*, scheme: Scheme, user) -> Scheme:
    """Make this version the one new cycles of its sector use."""
    require_bureau(user)
    scheme_validate_rule(scheme.rule)
    Scheme.objects.filter(sector=scheme.sector).exclude(pk=scheme.pk).update(
        is_active=False
    )
    scheme.is_active = True
    scheme.save(update_fields=["is_active", "updated_at"])
    return scheme
