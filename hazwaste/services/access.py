"""Who may act for whom: an enterprise's own accounts sign and keep its ledger."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import PermissionDenied
from enforcement.models import EnterpriseAccount


def require_account(*, user, enterprise_id: int, message: str | None = None) -> None:
    """Only a user with an account for the enterprise (or a superuser) acts for it."""
    if user is not None and user.is_superuser:
        return
    if (
        user is None
        or not EnterpriseAccount.objects.filter(
            user_id=user.pk, enterprise_id=enterprise_id
        ).exists()
    ):
        raise PermissionDenied(
            message or _("Only the enterprise's own accounts can do this.")
        )
