"""Role checks for the API and pages (the one public module of grid beside models,
services and selectors: every app's views ask the same questions)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from grid.selectors import user_scope


class IsBureauStaff(BasePermission):
    """Bureau administrators and officers (and superusers)."""

    def has_permission(self, request, view) -> bool:
        return user_scope(user=request.user).is_bureau


class IsBureauAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return user_scope(user=request.user).is_bureau_admin


class IsStaffOrReadOnly(BasePermission):
    """Anyone in scope reads; only bureau and street staff write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return user_scope(user=request.user).is_staff_member
