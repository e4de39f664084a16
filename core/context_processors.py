from django.conf import settings
from django.utils.functional import SimpleLazyObject


def _unread_count(request) -> int:
    from core.models import Notification

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()


def platform(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "COMPLAINT_HOTLINE": settings.COMPLAINT_HOTLINE,
        # the bell; counted only on pages that show it
        "unread_notifications": SimpleLazyObject(lambda: _unread_count(request)),
        "map_config": {
            "tileUrl": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "crs": settings.MAP_TILE_CRS,
            "center": settings.LEAFLET_CONFIG["DEFAULT_CENTER"],
            "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        },
    }
