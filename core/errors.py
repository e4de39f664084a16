"""The application's error vocabulary. Services raise these; one API handler and
one HTML helper turn them into responses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400
    default_code = "error"
    default_detail = _("The request could not be processed.")

    def __init__(self, detail=None, *, code: str | None = None, fields=None):
        self.detail = detail if detail is not None else self.default_detail
        self.code = code or self.default_code
        self.fields = dict(fields or {})
        super().__init__(str(self.detail))


class InvalidInput(ApplicationError):
    status_code = 400
    default_code = "invalid"
    default_detail = _("Some fields are invalid.")


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_detail = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_detail = _("Not found.")


class Conflict(ApplicationError):
    """An illegal or concurrent state transition."""

    status_code = 409
    default_code = "conflict"
    default_detail = _("The record changed or is in a state that does not allow this.")


class PreconditionFailed(ApplicationError):
    status_code = 412
    default_code = "precondition_failed"
    default_detail = _("The record was changed by someone else.")
