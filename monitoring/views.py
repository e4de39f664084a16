"""HTML pages: the boards, the station map, stations, alarms, surveys, tracing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from grid.selectors import user_scope
from monitoring import forms, selectors, services
from monitoring.filters import AlarmFilter
from monitoring.models import Alarm

BOARDS = {
    "air": ("monitoring/_board_air.html", selectors.board_air),
    "water": ("monitoring/_board_water.html", selectors.board_water),
    "noise": ("monitoring/_board_noise.html", selectors.board_noise),
    "indoor": ("monitoring/_board_indoor.html", selectors.board_indoor),
    "enterprise": ("monitoring/_board_enterprise.html", selectors.board_enterprise),
}


def _is_bureau(request) -> bool:
    return user_scope(user=request.user).is_bureau


@login_required
def board(request, name: str = ""):
    if not name:
        scope = user_scope(user=request.user)
        return redirect(
            "monitoring:board", name="air" if scope.is_staff_member else "enterprise"
        )
    if name not in BOARDS:
        raise Http404
    template, selector = BOARDS[name]
    data = selector(user=request.user)
    context = {"board": name, "data": data, "chart": _chart(name, data)}
    if request.htmx:
        return render(request, template, context)
    return render(request, "monitoring/board.html", {**context, "partial": template})


PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


def _chart(name: str, data: dict) -> dict | None:
    """Chart.js data for a board (labels and datasets)."""
    if name in ("air", "water"):
        return {
            "type": "line",
            "labels": data["labels"],
            "datasets": [
                {
                    "label": row["station"].name,
                    "data": row["daily"],
                    "borderColor": PALETTE[i % len(PALETTE)],
                    "pointBackgroundColor": row.get("daily_colours")
                    or PALETTE[i % len(PALETTE)],
                    "spanGaps": True,
                }
                for i, row in enumerate(data["stations"])
            ],
            "yReverse": name == "water",
            "yTicks": ["", "I", "II", "III", "IV", "V", "劣V"]
            if name == "water"
            else None,
        }
    if name == "noise":
        return {
            "type": "bar",
            "labels": [
                _("Class %(zone)s") % {"zone": z["zone"]} for z in data["zones"]
            ],
            "datasets": [
                {
                    "label": _("Day"),
                    "data": [z["day_rate"] for z in data["zones"]],
                    "backgroundColor": "#f5b041",
                },
                {
                    "label": _("Night"),
                    "data": [z["night_rate"] for z in data["zones"]],
                    "backgroundColor": "#34495e",
                },
            ],
            "yMax": 100,
        }
    return None


@login_required
def station_map(request):
    return render(request, "monitoring/map.html", {"board": "map"})


@login_required
def station_map_data(request):
    return JsonResponse(selectors.station_map(user=request.user))


@login_required
def station_detail(request, pk: int):
    station = selectors.station_get(user=request.user, pk=pk)
    series = selectors.station_recent(station=station)
    for entry in series:
        entry["chart_id"] = f"series-{entry['sensor'].pk}"
        entry["chart"] = {
            "type": "line",
            "labels": [point["t"] for point in entry["points"]],
            "datasets": [
                {
                    "label": str(entry["label"]),
                    "data": [point["v"] for point in entry["points"]],
                    "borderColor": "#0b6e4f",
                    "pointRadius": 0,
                }
            ],
        }
    return render(
        request,
        "monitoring/station_detail.html",
        {
            "station": station,
            "series": series,
            "alarms": selectors.alarm_list(user=request.user).filter(station=station)[
                :20
            ],
            "rejections": selectors.rejection_list(user=request.user).filter(
                station=station
            )[:20],
        },
    )


@login_required
def alarm_list(request):
    filterset = AlarmFilter(
        request.GET or None,
        queryset=selectors.alarm_list(user=request.user).order_by("-started_at"),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "monitoring/alarm_list.html", {"filter": filterset, "page": page}
    )


@login_required
@require_http_methods(["GET", "POST"])
def alarm_detail(request, pk: int):
    alarm = selectors.alarm_get(user=request.user, pk=pk)
    annotate_form = forms.AnnotateForm(
        request.POST if "annotation" in request.POST else None
    )
    dismiss_form = forms.DismissForm(request.POST if "reason" in request.POST else None)
    if request.method == "POST":
        try:
            if annotate_form.is_bound and annotate_form.is_valid():
                services.alarm_annotate(
                    alarm=alarm,
                    user=request.user,
                    text=annotate_form.cleaned_data["annotation"],
                )
                messages.success(request, _("Your explanation was recorded."))
                return redirect(alarm.get_absolute_url())
            if dismiss_form.is_bound and dismiss_form.is_valid():
                if not _is_bureau(request):
                    raise DjangoPermissionDenied
                services.alarm_dismiss(
                    alarm=alarm,
                    user=request.user,
                    reason=dismiss_form.cleaned_data["reason"],
                )
                messages.success(request, _("The alarm will not be dispatched."))
                return redirect(alarm.get_absolute_url())
        except ApplicationError as error:
            messages.error(request, str(error.detail))
            for field, problems in error.fields.items():
                for problem in problems:
                    messages.error(request, f"{field}: {problem}")
    is_own = bool(
        alarm.station.enterprise_id
        and request.user.enterprise_accounts.filter(
            enterprise_id=alarm.station.enterprise_id
        ).exists()
    )
    return render(
        request,
        "monitoring/alarm_detail.html",
        {
            "alarm": alarm,
            "events": alarm.events.select_related("user"),
            "can_annotate": is_own
            and alarm.dispatch_status == Alarm.Dispatch.PENDING
            and not alarm.annotation,
            "can_dismiss": _is_bureau(request)
            and alarm.dispatch_status
            in (Alarm.Dispatch.PENDING, Alarm.Dispatch.FAILED),
            "annotate_form": annotate_form,
            "dismiss_form": dismiss_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_list(request):
    if not _is_bureau(request):
        raise DjangoPermissionDenied
    form = forms.SurveyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.survey_create(
                user=request.user,
                name=form.cleaned_data["name"],
                district=selectors.survey_district(user=request.user),
                parameter=form.cleaned_data["parameter"],
                data=form.cleaned_data["file"].read(),
                filename=form.cleaned_data["file"].name,
                hotspot_percentile=form.cleaned_data["hotspot_percentile"],
            )
        except ApplicationError as error:
            for problems in error.fields.values():
                for problem in problems if isinstance(problems, list) else [problems]:
                    form.add_error(None, f"{problem}")
        else:
            messages.success(
                request,
                _("%(points)d points stored, %(skipped)d lines skipped.")
                % {"points": upload.points, "skipped": upload.skipped},
            )
            return redirect(upload.survey.get_absolute_url())
    surveys = selectors.survey_list(user=request.user).order_by("-started_at")[:100]
    return render(
        request, "monitoring/survey_list.html", {"form": form, "surveys": surveys}
    )


@login_required
def survey_detail(request, pk: int):
    if not _is_bureau(request):
        raise DjangoPermissionDenied
    survey = selectors.survey_get(user=request.user, pk=pk)
    points = list(survey.points.values_list("lat", "lon", "value"))
    hotspots = list(survey.hotspots.all())
    return render(
        request,
        "monitoring/survey_detail.html",
        {
            "survey": survey,
            "hotspots": hotspots,
            "complaints": selectors.survey_nearby_complaints(
                user=request.user, survey=survey
            ),
            "track": {
                "points": points,
                "hotspots": [
                    {"rank": h.rank, "lat": h.lat, "lon": h.lon, "peak": h.peak_value}
                    for h in hotspots
                ],
                "threshold": min((h.peak_value for h in hotspots), default=None),
            },
        },
    )


@login_required
def tracing(request):
    if not _is_bureau(request):
        raise DjangoPermissionDenied
    form = forms.TraceForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            result = selectors.trace_request(user=request.user, **data)
        except ApplicationError as error:
            for problems in error.fields.values():
                for problem in problems:
                    form.add_error(None, problem)
    return render(
        request,
        "monitoring/tracing.html",
        {
            "form": form,
            "result": result,
            "map_points": {
                "origin": [result.lat, result.lon],
                "wind": result.wind.direction_deg,
                "radius": result.radius_m,
                "candidates": [
                    {
                        "lat": c.enterprise.lat,
                        "lon": c.enterprise.lon,
                        "name": c.enterprise.name,
                        "rank": rank,
                        "score": c.score,
                    }
                    for rank, c in enumerate(result.candidates, start=1)
                ],
            }
            if result
            else None,
        },
    )
