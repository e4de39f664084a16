from django.conf import settings


def platform(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "COMPLAINT_HOTLINE": settings.COMPLAINT_HOTLINE,
        "map_config": {
            "tileUrl": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "crs": settings.MAP_TILE_CRS,
            "center": settings.LEAFLET_CONFIG["DEFAULT_CENTER"],
            "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        },
    }
