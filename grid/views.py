from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from grid import selectors


@login_required
def cells_geojson(request):
    """The user's grid cells as a GeoJSON FeatureCollection, for map layers."""
    cells = selectors.grid_cell_list(user=request.user)
    street = request.GET.get("street")
    if street and street.isdigit():
        cells = cells.filter(street_id=int(street))
    features = [
        {
            "type": "Feature",
            "geometry": cell.geometry,
            "properties": {
                "id": cell.id,
                "code": cell.code,
                "name": cell.name,
                "street": cell.street.name,
                "street_id": cell.street_id,
            },
        }
        for cell in cells
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
