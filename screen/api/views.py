from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from screen import selectors
from screen.permissions import CanViewScreen


class ScreenDataView(APIView):
    """Everything the wall screen shows, for the viewer's district: the map
    (grid cells, stations coloured by their current index, open tickets), the
    four monitoring boards, today's alarms and their dispatch, open and overdue
    tickets per street, health- and credit-code distributions, joint actions."""

    permission_classes = [CanViewScreen]

    @extend_schema(
        responses={
            200: OpenApiTypes.OBJECT,
            401: OpenApiResponse(description="Not logged in."),
            403: OpenApiResponse(description="Neither bureau staff nor a kiosk."),
        }
    )
    def get(self, request):
        district_ids = selectors.screen_district_ids(user=request.user)
        data = selectors.screen_data(district_ids=district_ids)
        return Response(data, headers={"Cache-Control": "no-store"})
