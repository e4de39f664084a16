"""Rules → alarms: evaluation with duration and hysteresis, one open alarm per
rule and station, the enterprise's remote check, and the alarm's life."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from enforcement.services import health_code_request_recompute
from grid.selectors import user_scope
from monitoring import indices
from monitoring.models import (
    Alarm,
    AlarmEvent,
    QualityFlag,
    Reading,
    Rule,
    RuleState,
    Sensor,
    Station,
    StationIndex,
)
from monitoring.parameters import PARAMETERS

# A rule seen for the first time at a station looks this far back.
FIRST_LOOKBACK = timedelta(hours=24)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Point:
    """One step of a rule's series: the value, whether it breaches the rule,
    whether it is clear of the hysteresis band, and whether it is validated."""

    at: datetime
    value: float
    breach: bool
    clear: bool
    validated: bool


def _readings(station: Station, parameter: str, since: datetime, now: datetime):
    return (
        Reading.objects.filter(
            sensor__station=station,
            sensor__parameter=parameter,
            observed_at__gt=since,
            observed_at__lte=now,
        )
        .exclude(quality=QualityFlag.INVALID)
        .order_by("observed_at")
        .values_list("observed_at", "value", "quality")
    )


def _parameter_points(rule, station, since, now) -> list[Point]:
    return [
        Point(
            at, value, rule.breaches(value), rule.clears(value), quality == "validated"
        )
        for at, value, quality in _readings(station, rule.parameter, since, now)
    ]


INDEX_KINDS = {
    Rule.Kind.AQI: StationIndex.Kind.AQI_HOURLY,
    Rule.Kind.WATER_CLASS: StationIndex.Kind.WATER_HOURLY,
    Rule.Kind.NOISE: StationIndex.Kind.NOISE_HOURLY,
}


def _index_points(rule, station, since, now) -> list[Point]:
    """Hourly indices of complete hours; a point's time is the hour's end."""
    rows = StationIndex.objects.filter(
        station=station,
        kind=INDEX_KINDS[rule.kind],
        period_start__gt=since - HOUR,
        period_start__lte=now - HOUR,
        value__isnull=False,
    ).order_by("period_start")
    points = []
    for index in rows:
        value = (
            index.detail.get("excess_db", 0.0)
            if rule.kind == Rule.Kind.NOISE
            else index.value
        )
        points.append(
            Point(
                index.period_start + HOUR,
                value,
                rule.breaches(value),
                rule.clears(value),
                index.validated,
            )
        )
    return points


def _fume_points(rule, station, since, now) -> list[Point]:
    """Complete windows since ``since``; a window breaches once the day has had
    ``daily_count`` exceeding windows (counting from local midnight)."""
    width = timedelta(minutes=rule.window_minutes)
    local_since = since.astimezone(indices.LOCAL_TZ)
    day_start = local_since.replace(hour=0, minute=0, second=0, microsecond=0)
    # the window holding ``since`` is re-read; earlier windows of the day only
    # matter when several exceeding windows are needed
    first = (
        day_start
        if rule.daily_count > 1
        else day_start + ((local_since - day_start) // width) * width
    )
    samples = list(
        _readings(station, rule.parameter, first - timedelta(microseconds=1), now)
    )
    if not samples:
        return []
    windows = indices.fume_windows(
        [(at.astimezone(indices.LOCAL_TZ), value) for at, value, _q in samples],
        window_minutes=rule.window_minutes,
        threshold_mg_m3=rule.threshold,
    )
    unvalidated = set()  # window starts holding a reading not yet validated
    for at, _value, quality in samples:
        if quality != "validated":
            local = at.astimezone(indices.LOCAL_TZ)
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            unvalidated.add(midnight + ((local - midnight) // width) * width)
    points = []
    counts: dict = {}
    for window in windows:
        day = window.start.date()
        if window.exceeded:
            counts[day] = counts.get(day, 0) + 1
        if window.end > now or window.end <= since:
            continue
        points.append(
            Point(
                window.end,
                round(window.mean_mg_m3, 3),
                window.exceeded and counts.get(day, 0) >= rule.daily_count,
                rule.clears(window.mean_mg_m3),
                window.start not in unvalidated,
            )
        )
    return points


def _fan_points(rule, station, since, now) -> list[Point]:
    """Fan running while the cleaner is off, as a 0/1 step series."""
    sensors = dict(
        Sensor.objects.filter(
            station=station, parameter__in=["fan_on", "cleaner_on"]
        ).values_list("parameter", "id")
    )
    if len(sensors) < 2:
        return []
    state = {}
    for parameter, sensor_id in sensors.items():
        before = (
            Reading.objects.filter(sensor_id=sensor_id, observed_at__lte=since)
            .exclude(quality=QualityFlag.INVALID)
            .order_by("-observed_at")
            .values_list("value", flat=True)
            .first()
        )
        state[parameter] = (before or 0) > 0.5
    changes: dict[datetime, dict] = {}
    for parameter in sensors:
        for at, value, quality in _readings(station, parameter, since, now):
            changes.setdefault(at, {})[parameter] = (value > 0.5, quality)
    points = []
    for at in sorted(changes):
        validated = all(q == "validated" for _on, q in changes[at].values())
        state.update({p: on for p, (on, _q) in changes[at].items()})
        bad = 1.0 if state["fan_on"] and not state["cleaner_on"] else 0.0
        points.append(
            Point(at, bad, bad > rule.threshold, bad <= rule.clear_threshold, validated)
        )
    return points


SERIES = {
    Rule.Kind.PARAMETER: _parameter_points,
    Rule.Kind.AQI: _index_points,
    Rule.Kind.WATER_CLASS: _index_points,
    Rule.Kind.NOISE: _index_points,
    Rule.Kind.FUME: _fume_points,
    Rule.Kind.FAN_WITHOUT_CLEANER: _fan_points,
}


def _worse(rule: Rule, value: float, than: float | None) -> bool:
    if than is None:
        return True
    return value < than if rule.direction == Rule.Direction.BELOW else value > than


def _unit(rule: Rule) -> str:
    if rule.kind in (Rule.Kind.PARAMETER, Rule.Kind.FUME):
        spec = PARAMETERS.get(rule.parameter)
        return spec.unit if spec else ""
    return {Rule.Kind.AQI: "AQI", Rule.Kind.NOISE: "dB(A)"}.get(rule.kind, "")


def _open(rule: Rule, station: Station, state: RuleState, point: Point, now) -> Alarm:
    dispatch_status = Alarm.Dispatch.PENDING if rule.dispatch else "not_required"
    due = None
    if rule.dispatch:
        wait = rule.annotation_minutes if station.is_enterprise_monitor else 0
        due = now + timedelta(minutes=wait)
    alarm = Alarm.objects.create(
        rule=rule,
        station=station,
        started_at=state.breach_since,
        peak_value=state.breach_peak,
        peak_at=state.breach_peak_at,
        last_value=point.value,
        threshold=rule.threshold,
        unit=_unit(rule),
        validated=state.breach_validated,
        dispatch_status=dispatch_status,
        dispatch_due_at=due,
    )
    AlarmEvent.objects.create(
        alarm=alarm,
        kind=AlarmEvent.Kind.OPENED,
        at=now,
        note=_("%(rule)s: %(value)s %(unit)s (threshold %(threshold)s)")
        % {
            "rule": rule.name,
            "value": point.value,
            "unit": alarm.unit,
            "threshold": rule.threshold,
        },
    )
    if rule.dispatch:
        from monitoring import tasks

        transaction.on_commit(lambda: tasks.alarm_dispatch_schedule(alarm.pk, due))
    if alarm.validated and station.enterprise_id is not None:
        # an exceedance on validated data weighs in the enterprise's health code
        health_code_request_recompute(enterprise_id=station.enterprise_id)
    return alarm


def _close(alarm: Alarm, at: datetime, now: datetime) -> None:
    alarm.status = Alarm.Status.CLOSED
    alarm.ended_at = at
    alarm.save(
        update_fields=[
            "status",
            "ended_at",
            "last_value",
            "peak_value",
            "peak_at",
            "updated_at",
        ]
    )
    AlarmEvent.objects.create(
        alarm=alarm,
        kind=AlarmEvent.Kind.CLOSED,
        at=now,
        note=_("back within the clear threshold %(clear)s")
        % {"clear": alarm.rule.clear_threshold},
    )


def _reset_breach(state: RuleState) -> None:
    state.breach_since = None
    state.breach_peak = None
    state.breach_peak_at = None
    state.breach_validated = True


@transaction.atomic
def rule_evaluate(
    *, rule: Rule, station: Station, now: datetime | None = None
) -> list[Alarm]:
    """Walk the rule's new points at one station; return alarms it opened."""
    now = now or timezone.now()
    state, _created = RuleState.objects.get_or_create(rule=rule, station=station)
    state = RuleState.objects.select_for_update().get(pk=state.pk)
    since = state.evaluated_until or now - FIRST_LOOKBACK
    points = SERIES[rule.kind](rule, station, since, now)
    if not points:
        return []
    opened = []
    alarm = Alarm.objects.filter(
        rule=rule, station=station, status=Alarm.Status.OPEN
    ).first()
    for point in points:
        if alarm is None:
            if not point.breach:
                _reset_breach(state)
                continue
            if state.breach_since is None:
                state.breach_since = point.at
                state.breach_validated = True
            if _worse(rule, point.value, state.breach_peak):
                state.breach_peak, state.breach_peak_at = point.value, point.at
            state.breach_validated = state.breach_validated and point.validated
            if point.at - state.breach_since >= timedelta(
                minutes=rule.duration_minutes
            ):
                alarm = _open(rule, station, state, point, now)
                opened.append(alarm)
                state.clear_since = None
            continue
        alarm.last_value = point.value
        if _worse(rule, point.value, alarm.peak_value):
            alarm.peak_value, alarm.peak_at = point.value, point.at
        if not point.clear:
            state.clear_since = None
            continue
        state.clear_since = state.clear_since or point.at
        if point.at - state.clear_since >= timedelta(minutes=rule.clear_minutes):
            _close(alarm, point.at, now)
            alarm = None
            state.clear_since = None
            _reset_breach(state)
    if alarm is not None:
        alarm.save(update_fields=["last_value", "peak_value", "peak_at", "updated_at"])
    state.evaluated_until = points[-1].at
    state.save()
    return opened


def rules_for(stations: Iterable[Station]) -> dict[int, list[Rule]]:
    stations = list(stations)
    kinds = {s.kind for s in stations}
    ids = {s.pk for s in stations}
    rules = list(
        Rule.objects.filter(is_active=True).filter(
            Q(station_id__in=ids) | Q(station__isnull=True, station_kind__in=kinds)
        )
    )
    result: dict[int, list[Rule]] = {}
    for station in stations:
        result[station.pk] = [
            rule
            for rule in rules
            if rule.station_id == station.pk
            or (rule.station_id is None and rule.station_kind == station.kind)
        ]
    return result


def rules_evaluate(
    *, station_ids: Iterable[int] | None = None, now: datetime | None = None
) -> list[Alarm]:
    """Evaluate every active rule at the given stations (all when None)."""
    now = now or timezone.now()
    stations = Station.objects.exclude(status=Station.Status.RETIRED)
    if station_ids is not None:
        stations = stations.filter(pk__in=list(station_ids))
    stations = list(stations)
    opened = []
    applicable = rules_for(stations)
    for station in stations:
        for rule in applicable[station.pk]:
            opened += rule_evaluate(rule=rule, station=station, now=now)
    return opened


# ---------------------------------------------------------------------------
# Remote check and staff decisions
# ---------------------------------------------------------------------------


def _locked(alarm: Alarm) -> Alarm:
    return (
        Alarm.objects.select_for_update()
        .select_related("station", "rule")
        .get(pk=alarm.pk)
    )


@transaction.atomic
def alarm_annotate(
    *, alarm: Alarm, user, text: str, now: datetime | None = None
) -> Alarm:
    """The enterprise explains a known cause (maintenance, a calibration, a
    one-off event) during the remote check; staff see it, and the ticket
    carries it."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"annotation": [_("Describe the cause.")]})
    alarm = _locked(alarm)
    station = alarm.station
    if (
        station.enterprise_id is None
        or not user.enterprise_accounts.filter(
            enterprise_id=station.enterprise_id
        ).exists()
    ):
        raise PermissionDenied(_("Only the enterprise can annotate its own alarms."))
    if alarm.dispatch_status != Alarm.Dispatch.PENDING or (
        alarm.dispatch_due_at is not None and alarm.dispatch_due_at <= now
    ):
        raise Conflict(_("The remote check window has closed."), code="window_closed")
    if alarm.annotation:
        raise Conflict(_("This alarm is already annotated."), code="already_annotated")
    alarm.annotation = text[:2000]
    alarm.annotated_by = user
    alarm.annotated_at = now
    alarm.save(
        update_fields=["annotation", "annotated_by", "annotated_at", "updated_at"]
    )
    AlarmEvent.objects.create(
        alarm=alarm,
        kind=AlarmEvent.Kind.ANNOTATED,
        at=now,
        user=user,
        note=alarm.annotation,
    )
    return alarm


@transaction.atomic
def alarm_dismiss(
    *, alarm: Alarm, user, reason: str, now: datetime | None = None
) -> Alarm:
    """Bureau staff decide not to dispatch (e.g. the annotation explains it)."""
    now = now or timezone.now()
    if not user_scope(user=user).is_bureau:
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("A reason is required.")]})
    alarm = _locked(alarm)
    if alarm.dispatch_status not in (Alarm.Dispatch.PENDING, Alarm.Dispatch.FAILED):
        raise Conflict(_("This alarm was already dispatched or dismissed."))
    alarm.dispatch_status = Alarm.Dispatch.DISMISSED
    alarm.save(update_fields=["dispatch_status", "updated_at"])
    AlarmEvent.objects.create(
        alarm=alarm, kind=AlarmEvent.Kind.DISMISSED, at=now, user=user, note=reason
    )
    return alarm


def _ticket_description(alarm: Alarm) -> str:
    text = _(
        "Monitoring alarm at %(station)s: %(rule)s, peak %(peak)s %(unit)s "
        "(threshold %(threshold)s) at %(at)s."
    ) % {
        "station": alarm.station.name,
        "rule": alarm.rule.name,
        "peak": alarm.peak_value,
        "unit": alarm.unit,
        "threshold": alarm.threshold,
        "at": timezone.localtime(alarm.peak_at).strftime("%Y-%m-%d %H:%M"),
    }
    if alarm.annotation:
        text += "\n" + _("Enterprise annotation: %(text)s") % {"text": alarm.annotation}
    return text


def _working_ticket_of_earlier_alarm(alarm: Alarm) -> str:
    """The reference of a ticket still being worked (not yet handled) for an
    earlier alarm of the same rule at the same station, or "": a monitor that
    exceeds again while its ticket is open adds to it, not a new ticket."""
    from grid.models import Ticket

    earlier = (
        Alarm.objects.filter(
            station_id=alarm.station_id,
            rule_id=alarm.rule_id,
            dispatch_status=Alarm.Dispatch.DISPATCHED,
        )
        .exclude(pk=alarm.pk)
        .exclude(ticket_ref="")
        .values("ticket_ref")
    )
    working = (
        Ticket.Status.REPORTED,
        Ticket.Status.REGISTERED,
        Ticket.Status.DISPATCHED,
        Ticket.Status.IN_PROGRESS,
        Ticket.Status.REOPENED,
    )
    return (
        Ticket.objects.filter(reference__in=earlier, status__in=working)
        .order_by("-created_at")
        .values_list("reference", flat=True)
        .first()
    ) or ""


def _open_ticket(alarm: Alarm) -> tuple[str, str]:
    """Open the alarm's ticket at its station; returns the event to record."""
    from grid.models import Ticket
    from grid.services import ticket_open

    station = alarm.station
    try:
        with transaction.atomic():
            ticket = ticket_open(
                category=alarm.rule.ticket_category,
                source=Ticket.Source.MONITORING_ALERT,
                description=_ticket_description(alarm),
                lon=station.lon,
                lat=station.lat,
                address=station.address,
                enterprise=station.enterprise_id,
                origin=f"monitoring.alarm:{alarm.pk}",
                occurred_at=alarm.started_at,
            )
    except InvalidInput as exc:
        alarm.dispatch_status = Alarm.Dispatch.FAILED
        note = "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in (exc.fields or {}).items()
        ) or str(exc)
        return AlarmEvent.Kind.DISPATCH_FAILED, note
    alarm.dispatch_status = Alarm.Dispatch.DISPATCHED
    alarm.ticket_ref = ticket.reference
    return AlarmEvent.Kind.DISPATCHED, ticket.reference


def alarm_dispatch(*, alarm_id: int, now: datetime | None = None) -> Alarm | None:
    """Open the grid ticket of an alarm whose remote check has run out (DESIGN:
    alarms become tickets routed to the street officer of the station's cell).
    Does nothing for an alarm that is not pending or not yet due, so a repeated
    or early task is harmless. A ticket the grid refuses (e.g. a station outside
    every street) marks the alarm failed, for staff to handle; the alarm itself
    is never lost."""
    now = now or timezone.now()
    with transaction.atomic():
        alarm = (
            Alarm.objects.select_for_update()
            .select_related("station", "rule")
            .filter(pk=alarm_id)
            .first()
        )
        if alarm is None or alarm.dispatch_status != Alarm.Dispatch.PENDING:
            return alarm
        if alarm.dispatch_due_at is not None and alarm.dispatch_due_at > now:
            return alarm
        joined = _working_ticket_of_earlier_alarm(alarm)
        if joined:
            alarm.dispatch_status = Alarm.Dispatch.DISPATCHED
            alarm.ticket_ref = joined
            kind = AlarmEvent.Kind.DISPATCHED
            note = _(
                "Joined ticket %(ref)s, still being worked for an earlier alarm of "
                "this rule at this station."
            ) % {"ref": joined}
        else:
            kind, note = _open_ticket(alarm)
        alarm.save(update_fields=["dispatch_status", "ticket_ref", "updated_at"])
        AlarmEvent.objects.create(alarm=alarm, kind=kind, at=now, note=note[:2000])
        return alarm


def alarms_dispatch_due(*, now: datetime | None = None) -> int:
    """Dispatch every pending alarm whose remote check has run out (the sweep
    behind the queued tasks: covers a lost or early task). Returns how many
    tickets were opened."""
    now = now or timezone.now()
    due = Alarm.objects.filter(dispatch_status=Alarm.Dispatch.PENDING).filter(
        Q(dispatch_due_at__isnull=True) | Q(dispatch_due_at__lte=now)
    )
    opened = 0
    for alarm_id in due.order_by("dispatch_due_at", "pk").values_list("pk", flat=True):
        alarm = alarm_dispatch(alarm_id=alarm_id, now=now)
        opened += alarm is not None and alarm.dispatch_status == "dispatched"
    return opened
