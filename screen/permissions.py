"""Who may look at the wall screen: bureau staff and kiosks."""

from rest_framework.permissions import BasePermission

from grid.selectors import user_scope
from screen.models import Kiosk


def may_view_screen(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user_scope(user=user).is_bureau:
        return True
    return Kiosk.objects.active().filter(user_id=user.pk).exists()


class CanViewScreen(BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") and may_view_screen(
            request.user
        )
