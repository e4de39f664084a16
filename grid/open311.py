"""Open311 GeoReport v2 at /open311/v2/: services, posting and reading service
requests, with the standard's field names and error format
``[{"code": ..., "description": ...}]``. JSON and XML (by the path's suffix).

Service codes are the ticket category codes; ``service_request_id`` is the
ticket's reference number. No personal data is ever returned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError
from grid import selectors, services
from grid.models import Ticket, TicketCategory

DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: default date range
MAX_RESULTS = 1000
CLOSED_STATUSES = (Ticket.Status.CLOSED, Ticket.Status.REJECTED, Ticket.Status.MERGED)


# ------------------------------------------------------------------ rendering


def _xml(root_name: str, item_name: str, items: list[dict]) -> bytes:
    root = ElementTree.Element(root_name)
    for item in items:
        element = ElementTree.SubElement(root, item_name)
        for key, value in item.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, list):
                for entry in value:
                    ElementTree.SubElement(child, "keyword").text = str(entry)
            elif value is not None:
                child.text = (
                    str(value).lower() if isinstance(value, bool) else str(value)
                )
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(
        root, encoding="utf-8"
    )


XML_NAMES = {
    "services": ("services", "service"),
    "definition": ("service_definition", "attribute"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def _render(items, fmt: str, kind: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        root, item = XML_NAMES[kind]
        return HttpResponse(
            _xml(root, item, items),
            content_type="text/xml; charset=utf-8",
            status=status,
        )
    return JsonResponse(
        items,
        safe=False,
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    return _render(
        [{"code": status, "description": str(d)} for d in descriptions],
        fmt,
        "errors",
        status,
    )


def _format_or_404(fmt: str) -> str | None:
    return fmt if fmt in ("json", "xml") else None


def _w3c(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# ------------------------------------------------------------------- services


def _service(category: TicketCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name_en,
        "metadata": False,
        "type": "realtime",
        "keywords": [category.name_en] if category.name_en else [],
        "group": _("Environment"),
    }


@require_GET
def service_list(request, fmt: str):
    fmt = _format_or_404(fmt) or "json"
    categories = selectors.ticket_category_list()
    return _render([_service(c) for c in categories], fmt, "services")


@require_GET
def service_definition(request, code: str, fmt: str):
    fmt = _format_or_404(fmt) or "json"
    category = selectors.ticket_category_list().filter(code=code).first()
    if category is None:
        return _error(fmt, 404, _("service_code %(code)s not found") % {"code": code})
    body = {"service_code": category.code, "attributes": []}
    if fmt == "xml":
        root = ElementTree.Element("service_definition")
        ElementTree.SubElement(root, "service_code").text = category.code
        ElementTree.SubElement(root, "attributes")
        return HttpResponse(
            b'<?xml version="1.0" encoding="utf-8"?>'
            + ElementTree.tostring(root, encoding="utf-8"),
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(body)


# ------------------------------------------------------------------- requests


def _request_item(ticket: Ticket) -> dict:
    shown = ticket.merged_into if ticket.merged_into_id else ticket
    closed = shown.status in CLOSED_STATUSES
    return {
        "service_request_id": ticket.reference,
        "status": "closed" if closed else "open",
        "status_notes": shown.resolution if closed else shown.get_status_display(),
        "service_name": ticket.category.name,
        "service_code": ticket.category.code,
        "description": ticket.description,
        "agency_responsible": ticket.street.name,
        "service_notice": "",
        "requested_datetime": _w3c(ticket.reported_at),
        "updated_datetime": _w3c(shown.updated_at),
        "expected_datetime": _w3c(shown.stage_deadline) if not closed else None,
        "address": ticket.address,
        "address_id": "",
        "zipcode": "",
        "lat": ticket.lat,
        "long": ticket.lon,
        "media_url": ticket.media_url,
    }


def _parse_moment(value: str, *, end: bool = False) -> datetime | None:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.combine(
            day, datetime.max.time() if end else datetime.min.time()
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _request_queryset():
    """Service requests are the public's complaints, not internal tickets."""
    return Ticket.objects.public().select_related("category", "street", "merged_into")


def _list_requests(request, fmt: str) -> HttpResponse:
    params = request.GET
    queryset = _request_queryset()
    ids = [i.strip().upper() for i in params.get("service_request_id", "").split(",")]
    ids = [i for i in ids if i]
    if ids:
        # An explicit id list ignores every other filter (GeoReport v2).
        queryset = queryset.filter(reference__in=ids[:MAX_RESULTS])
    else:
        try:
            start = (
                _parse_moment(params["start_date"])
                if params.get("start_date")
                else None
            )
            end = (
                _parse_moment(params["end_date"], end=True)
                if params.get("end_date")
                else None
            )
        except ValueError:
            return _error(fmt, 400, _("start_date / end_date: use a W3C date-time"))
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        if start:
            queryset = queryset.filter(reported_at__gte=start)
        if end:
            queryset = queryset.filter(reported_at__lte=end)
        codes = [
            c.strip() for c in params.get("service_code", "").split(",") if c.strip()
        ]
        if codes:
            queryset = queryset.filter(category__code__in=codes)
        status = params.get("status", "").strip().lower()
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                return _error(fmt, 400, _("status: open or closed"))
            if wanted == {"open"}:
                queryset = queryset.exclude(status__in=CLOSED_STATUSES)
            elif wanted == {"closed"}:
                queryset = queryset.filter(status__in=CLOSED_STATUSES)
    tickets = queryset.order_by("-reported_at", "-id")[:MAX_RESULTS]
    return _render([_request_item(t) for t in tickets], fmt, "requests")


def _contact(params) -> str:
    name = " ".join(p for p in (params.get("first_name"), params.get("last_name")) if p)
    parts = [params.get("email"), params.get("phone"), name]
    return " / ".join(p.strip() for p in parts if p and p.strip())[:200]


def _locate_by_address(address: str) -> tuple[float, float] | None:
    """Without lat/long, an exact registered enterprise address or name places
    the request (there is no street geocoder on an intranet)."""
    enterprises = Ticket._meta.get_field("enterprise").related_model.objects
    match = (
        enterprises.filter(address=address).values_list("lon", "lat").first()
        or enterprises.filter(name=address).values_list("lon", "lat").first()
    )
    return match


def _post_request(request, fmt: str) -> HttpResponse:
    params = request.POST
    api_key = params.get("api_key", "").strip()
    if not api_key:
        return _error(fmt, 400, _("api_key: required"))
    client = selectors.open311_client_get(api_key=api_key)
    if client is None:
        return _error(fmt, 403, _("api_key: not valid"))
    problems = []
    code = params.get("service_code", "").strip()
    if not code:
        problems.append(_("service_code: required"))
    lat, lon = params.get("lat", "").strip(), params.get("long", "").strip()
    address = params.get("address_string", "").strip()
    if lat or lon:
        try:
            lat_value, lon_value = float(lat), float(lon)
        except ValueError:
            problems.append(_("lat/long: give both as decimal degrees (WGS-84)"))
    elif address:
        found = _locate_by_address(address)
        if found is None:
            problems.append(
                _("address_string: could not be located; send lat and long")
            )
        else:
            lon_value, lat_value = found
    else:
        problems.append(_("lat/long: required (or address_string)"))
    media_url = params.get("media_url", "").strip()
    if media_url and not media_url.startswith(("http://", "https://")):
        problems.append(_("media_url: not a URL"))
    if problems:
        return _error(fmt, 400, *problems)
    try:
        ticket, _key = services.ticket_report_by_citizen(
            category=code,
            description=params.get("description", ""),
            lon=lon_value,
            lat=lat_value,
            address=address,
            contact=_contact(params),
            photo=request.FILES.get("media"),
            source=Ticket.Source.OPEN311,
            media_url=media_url[:500],
            actor_label=f"Open311: {client.name}",
        )
    except ApplicationError as error:
        names = {"category": "service_code", "location": "lat/long", "file": "media"}
        descriptions = [
            f"{names.get(field, field)}: {message}"
            for field, messages in error.fields.items()
            for message in messages
        ] or [str(error.detail)]
        return _error(fmt, error.status_code, *descriptions)
    body = [
        {
            "service_request_id": ticket.reference,
            "service_notice": _("Registered; follow it with the reference number."),
            "account_id": None,
        }
    ]
    return _render(body, fmt, "requests", status=201)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt: str):
    fmt = _format_or_404(fmt) or "json"
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


@require_GET
def request_detail(request, reference: str, fmt: str):
    fmt = _format_or_404(fmt) or "json"
    ticket = _request_queryset().filter(reference=reference.upper()).first()
    if ticket is None:
        return _error(
            fmt, 404, _("service_request_id %(id)s not found") % {"id": reference}
        )
    return _render([_request_item(ticket)], fmt, "requests")
