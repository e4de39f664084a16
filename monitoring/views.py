"""HTML pages: the boards, the station map, stations, alarms, surveys, tracing."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError, InvalidInput
from core.forms import add_application_error
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


REVIEW_REASONS = {
    "spike": _lazy("spike"),
    "flat_line": _lazy("flat line"),
    "out_of_range": _lazy("out of range"),
    "flag_D": _lazy("HJ 212 flag D (fault)"),
    "flag_M": _lazy("HJ 212 flag M (maintenance)"),
    "flag_C": _lazy("HJ 212 flag C (calibration)"),
    "flag_F": _lazy("HJ 212 flag F (stopped)"),
    "flag_B": _lazy("HJ 212 flag B (communication failure)"),
}


def _review_key(row: dict) -> str:
    return f"{row['sensor']}|{row['observed_at'].isoformat()}"


def _review_readings(values: list[str]) -> list[tuple[int, datetime]]:
    readings = []
    for value in values:
        sensor, _sep, at = value.partition("|")
        try:
            readings.append((int(sensor), datetime.fromisoformat(at)))
        except ValueError as error:
            raise InvalidInput(
                fields={"readings": [_("Not a reading of this list: %s") % value[:60]]}
            ) from error
    return readings


@login_required
@require_http_methods(["GET", "POST"])
def review(request):
    """Data review (数据审核): the flagged readings of a window (the last day by
    default, at most seven), validated or invalidated in bulk with a reason."""
    if not _is_bureau(request):
        raise DjangoPermissionDenied
    now = timezone.now().replace(second=0, microsecond=0)
    window = forms.ReviewWindowForm(
        request.GET or None,
        initial={
            "start": timezone.localtime(now - timedelta(days=1)),
            "end": timezone.localtime(now),
        },
    )
    start, end = now - timedelta(days=1), now
    if window.is_bound and window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    rows: list[dict] = []
    try:
        rows = selectors.review_queue(user=request.user, start=start, end=end)
    except ApplicationError as error:
        add_application_error(window, error)
    if request.method == "POST":
        chosen = (
            [_review_key(row) for row in rows]
            if request.POST.get("all")
            else request.POST.getlist("reading")
        )
        try:
            decision = services.readings_decide(
                user=request.user,
                readings=_review_readings(chosen),
                quality=request.POST.get("quality", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as error:
            messages.error(request, str(error.detail))
            for problems in error.fields.values():
                for problem in problems:
                    messages.error(request, problem)
        else:
            messages.success(
                request,
                _("%(count)s readings marked “%(quality)s”; the boards follow.")
                % {
                    "count": decision.count,
                    "quality": decision.get_quality_display(),
                },
            )
            return redirect(request.get_full_path())
    for row in rows:
        row["key"] = _review_key(row)
        row["reason_labels"] = [REVIEW_REASONS.get(r, r) for r in row["reasons"]]
    return render(
        request,
        "monitoring/review.html",
        {"window": window, "rows": rows, "start": start, "end": end},
    )
