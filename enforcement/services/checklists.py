"""Writes for checklist templates."""

from __future__ import annotations

from django.db import transaction

from enforcement.models import ChecklistItem, ChecklistTemplate


@transaction.atomic
def checklist_template_new_version(*, template: ChecklistTemplate) -> ChecklistTemplate:
    """Copy a template and its items as the next version of its domain and make
    the copy the active one; inspections keep the version they answered."""
    latest = max(
        ChecklistTemplate.objects.select_for_update()
        .filter(domain=template.domain)
        .values_list("version", flat=True)
    )
    ChecklistTemplate.objects.filter(domain=template.domain, is_active=True).update(
        is_active=False
    )
    copy = ChecklistTemplate.objects.create(
        domain=template.domain,
        version=latest + 1,
        title=template.title,
        note=template.note,
        is_active=True,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            template=copy,
            position=item.position,
            code=item.code,
            question=item.question,
            kind=item.kind,
            compliant_answer=item.compliant_answer,
            limit_max=item.limit_max,
            unit=item.unit,
            legal_basis=item.legal_basis,
            is_required=item.is_required,
            is_major=item.is_major,
        )
        for item in template.items.all()
    )
    return copy
