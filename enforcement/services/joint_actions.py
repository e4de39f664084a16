"""Writes of joint actions (联合行动): scheduling, GPS check-in, evidence, the
measures and their signatures, re-check tasks and their escalation."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from core.geo import distance_m
from core.notifications import notify
from core.uploads import upload_store
from enforcement.models import (
    Inspection,
    JointAction,
    JointCase,
    JointEvidence,
    JointMeasure,
    JointParticipant,
    JointRecheck,
    JointSignature,
)
from enforcement.services.joint import (
    acting_agency,
    agency_users,
    can_act_for,
    locked_case,
    log,
    party_agency_ids,
    require_lead,
    require_open,
    team_leaders,
)
from grid.models import Agency, Ticket
from grid.services import ticket_open

FAR_FROM_SITE_M = 500  # a check-in farther than this is flagged (not refused)


def _far_limit() -> float:
    return float(getattr(settings, "JOINT_CHECKIN_FAR_M", FAR_FROM_SITE_M))


# ---------------------------------------------------------------------- actions


@transaction.atomic
def joint_action_schedule(
    *, case: JointCase, user, starts_at: datetime, place: str = ""
) -> JointAction:
    case = locked_case(case)
    require_lead(user=user, case=case)
    require_open(case)
    if starts_at is None:
        raise InvalidInput(fields={"starts_at": [_("Give the date and time.")]})
    action = JointAction.objects.create(
        case=case,
        starts_at=starts_at,
        place=place or case.address or case.place,
        recorded_by=user,
    )
    log(
        case,
        "action",
        _("Joint action scheduled for %(at)s")
        % {"at": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}"},
        actor=user,
        agency=case.lead_agency,
    )
    return action


def _locked_action(action: JointAction) -> JointAction:
    action = (
        JointAction.objects.select_for_update()
        .select_related("case__lead_agency")
        .get(pk=action.pk)
    )
    require_open(action.case)
    return action


def _frozen(record_name: str) -> Conflict:
    return Conflict(
        _(
            "This %(record)s is signed and cannot be edited; record a new, linked "
            "record instead."
        )
        % {"record": record_name},
        code="signed_record",
    )


@transaction.atomic
def joint_action_record_findings(
    *, action: JointAction, user, findings: str, place: str | None = None
) -> JointAction:
    action = _locked_action(action)
    acting_agency(user=user, case=action.case)
    if action.status != JointAction.Status.DRAFT:
        raise _frozen(_("action record"))
    action.findings = findings
    if place is not None:
        action.place = place
    action.save(update_fields=["findings", "place", "updated_at"])
    return action


@transaction.atomic
def joint_action_check_in(
    *,
    action: JointAction,
    user,
    lon: float,
    lat: float,
    accuracy_m: float | None = None,
) -> tuple[JointParticipant, bool]:
    """Check the user in on the phone. A check-in far from the site is recorded
    and flagged, never refused (GPS drifts; the site may be a large plant)."""
    action = _locked_action(action)
    errors = {}
    if lon is None or not -180 <= lon <= 180:
        errors["lon"] = [_("Longitude must be between -180 and 180.")]
    if lat is None or not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if errors:
        raise InvalidInput(fields=errors)
    existing = action.participants.filter(user=user).first()
    if existing is not None:
        return existing, False
    agency = acting_agency(user=user, case=action.case)
    case = action.case
    distance = distance_m(lat, lon, case.lat, case.lon)
    participant = JointParticipant.objects.create(
        action=action,
        user=user,
        agency=agency,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy_m,
        distance_m=round(distance, 1),
        is_far=distance > _far_limit(),
    )
    text = _("%(user)s (%(agency)s) checked in") % {
        "user": user.get_full_name() or user.get_username(),
        "agency": agency,
    }
    if participant.is_far:
        text += " · " + _("%(m)d m from the site") % {"m": distance}
    log(case, "check_in", text, actor=user, agency=agency)
    return participant, True


@transaction.atomic
def joint_evidence_upload(
    *, case: JointCase, user, file, action: JointAction | None = None, note: str = ""
) -> JointEvidence:
    case = locked_case(case)
    require_open(case)
    agency = acting_agency(user=user, case=case)
    if action is not None and action.case_id != case.pk:
        raise InvalidInput(fields={"action": [_("The action is of another case.")]})
    stored = upload_store(file, folder="joint")
    evidence = JointEvidence(
        case=case,
        action=action,
        agency=agency,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        note=note,
        uploaded_by=user,
    )
    evidence.file.name = stored.name
    evidence.save()
    log(
        case,
        "evidence",
        _("Evidence added: %(name)s") % {"name": evidence},
        actor=user,
        agency=agency,
    )
    return evidence


# ------------------------------------------------------------------- signatures


def content_digest(record) -> str:
    """SHA-256 of the record's content at signing (what the signature covers)."""
    skip = {"status", "updated_at", "verified_at", "verification_note", "issued_on"}
    data = {
        f.attname: getattr(record, f.attname)
        for f in record._meta.concrete_fields
        if f.attname not in skip
    }
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _sign(*, record, user, agency: Agency, role: str) -> JointSignature:
    try:
        with transaction.atomic():
            return JointSignature.objects.create(
                case_id=record.case_id,
                action=record if isinstance(record, JointAction) else None,
                measure=record if isinstance(record, JointMeasure) else None,
                role=role,
                agency=agency,
                signed_by=user,
                content_sha256=content_digest(record),
            )
    except IntegrityError as error:
        raise Conflict(_("This agency has already signed."), code="signed") from error


def _co_signer_agency(*, user, case: JointCase, issuer_id: int) -> Agency:
    """A party other than the issuer, that the user speaks for."""
    for agency in Agency.objects.filter(pk__in=party_agency_ids(case=case)).exclude(
        pk=issuer_id
    ):
        if can_act_for(user=user, agency=agency, case=case):
            return agency
    raise PermissionDenied(
        _("A co-signature comes from another agency of the case than the issuer.")
    )


@transaction.atomic
def joint_action_sign(*, action: JointAction, user) -> JointAction:
    """The lead signs the action record (participants, findings); from now on it
    changes only by a new record."""
    action = _locked_action(action)
    require_lead(user=user, case=action.case)
    if action.status != JointAction.Status.DRAFT:
        raise Conflict(_("The record is already signed."), code="signed")
    _sign(record=action, user=user, agency=action.case.lead_agency, role="issuer")
    action.status = JointAction.Status.SIGNED
    action.save(update_fields=["status", "updated_at"])
    log(
        action.case,
        "signed",
        _("Action record signed"),
        actor=user,
        agency=action.case.lead_agency,
    )
    return action


@transaction.atomic
def joint_action_co_sign(*, action: JointAction, user) -> JointAction:
    action = _locked_action(action)
    if action.status != JointAction.Status.SIGNED:
        raise Conflict(
            _("Only a signed record, not yet co-signed, can be co-signed."),
            code="invalid_state",
        )
    agency = _co_signer_agency(
        user=user, case=action.case, issuer_id=action.case.lead_agency_id
    )
    _sign(record=action, user=user, agency=agency, role="co_signer")
    action.status = JointAction.Status.CO_SIGNED
    action.save(update_fields=["status", "updated_at"])
    log(
        action.case,
        "co_signed",
        _("Action record co-signed"),
        actor=user,
        agency=agency,
    )
    return action


# --------------------------------------------------------------------- measures

MEASURE_FIELDS = (
    "summary",
    "attendees",
    "minutes",
    "halt_scope",
    "halt_from",
    "halt_until",
    "deadline",
    "referred_to",
)


def _check_measure(kind: str, values: dict, *, today: date) -> dict:
    errors: dict[str, list[str]] = {}
    if not str(values.get("summary") or "").strip():
        errors["summary"] = [_("Describe the measure.")]
    if kind == JointMeasure.Kind.INTERVIEW:
        attendees = values.get("attendees") or []
        if not isinstance(attendees, list) or not any(
            str(a).strip() for a in attendees
        ):
            errors["attendees"] = [_("List who attended the interview.")]
        if not str(values.get("minutes") or "").strip():
            errors["minutes"] = [_("An interview needs its minutes.")]
    elif kind == JointMeasure.Kind.HALT:
        if not str(values.get("halt_scope") or "").strip():
            errors["halt_scope"] = [_("Say what must halt.")]
        if values.get("halt_from") is None:
            errors["halt_from"] = [_("Give the date the halt starts.")]
        elif values.get("halt_until") and values["halt_until"] < values["halt_from"]:
            errors["halt_until"] = [_("The halt cannot end before it starts.")]
    elif kind == JointMeasure.Kind.RECTIFICATION:
        if values.get("deadline") is None:
            errors["deadline"] = [_("A rectification order needs a deadline.")]
        elif values["deadline"] < today:
            errors["deadline"] = [_("The deadline cannot be in the past.")]
    elif kind == JointMeasure.Kind.REFERRAL:
        if not str(values.get("referred_to") or "").strip():
            errors["referred_to"] = [_("Name the authority it is referred to.")]
    else:
        errors["kind"] = [_("Unknown kind of measure.")]
    return errors


def _issuer(*, case: JointCase, user, agency_id) -> Agency:
    if agency_id in (None, ""):
        raise InvalidInput(
            fields={"issuing_agency": [_("A measure needs an issuing agency.")]}
        )
    try:
        agency = Agency.objects.filter(pk=int(agency_id)).first()
    except (TypeError, ValueError):
        agency = None
    if agency is None or agency.pk not in party_agency_ids(case=case):
        raise InvalidInput(
            fields={
                "issuing_agency": [_("The issuing agency is not a party to this case.")]
            }
        )
    if not can_act_for(user=user, agency=agency, case=case):
        raise InvalidInput(
            fields={"issuing_agency": [_("You cannot issue measures for this agency.")]}
        )
    return agency


@transaction.atomic
def joint_measure_create(
    *,
    action: JointAction,
    user,
    kind: str,
    issuing_agency,
    amends: JointMeasure | None = None,
    **values,
) -> JointMeasure:
    """Record a measure (a draft until the issuing agency signs it)."""
    action = _locked_action(action)
    case = action.case
    values = {k: values.get(k) for k in MEASURE_FIELDS}
    agency = _issuer(case=case, user=user, agency_id=issuing_agency)
    errors = _check_measure(kind, values, today=timezone.localdate())
    if errors:
        raise InvalidInput(fields=errors)
    measure = JointMeasure.objects.create(
        case=case,
        action=action,
        kind=kind,
        issuing_agency=agency,
        amends=amends,
        recorded_by=user,
        summary=values["summary"].strip(),
        attendees=[str(a).strip() for a in values["attendees"] or [] if str(a).strip()],
        minutes=values["minutes"] or "",
        halt_scope=values["halt_scope"] or "",
        halt_from=values["halt_from"],
        halt_until=values["halt_until"],
        deadline=values["deadline"],
        referred_to=values["referred_to"] or "",
    )
    log(
        case,
        "measure",
        _("Measure drafted: %(kind)s") % {"kind": measure.get_kind_display()}
        + (" · " + _("amends an earlier one") if amends else ""),
        actor=user,
        agency=agency,
    )
    return measure


def _locked_measure(measure: JointMeasure) -> JointMeasure:
    measure = (
        JointMeasure.objects.select_for_update()
        .select_related("case__lead_agency", "issuing_agency", "action")
        .get(pk=measure.pk)
    )
    require_open(measure.case)
    return measure


@transaction.atomic
def joint_measure_update(*, measure: JointMeasure, user, **values) -> JointMeasure:
    """Edit a draft. A signed measure changes only by an amendment."""
    measure = _locked_measure(measure)
    if measure.status != JointMeasure.Status.DRAFT:
        raise _frozen(_("measure"))
    if not can_act_for(user=user, agency=measure.issuing_agency, case=measure.case):
        raise PermissionDenied(_("Only the issuing agency edits its draft."))
    merged = {k: getattr(measure, k) for k in MEASURE_FIELDS}
    merged.update({k: v for k, v in values.items() if k in MEASURE_FIELDS})
    errors = _check_measure(measure.kind, merged, today=timezone.localdate())
    if errors:
        raise InvalidInput(fields=errors)
    for key, value in merged.items():
        if value is None and key in ("summary", "minutes", "halt_scope", "referred_to"):
            value = ""
        setattr(measure, key, [] if key == "attendees" and not value else value)
    measure.save()
    return measure


@transaction.atomic
def joint_measure_amend(*, measure: JointMeasure, user, **values) -> JointMeasure:
    """A new draft measure linked to a signed one; when signed, it supersedes it."""
    measure = _locked_measure(measure)
    if measure.status in (JointMeasure.Status.DRAFT, JointMeasure.Status.SUPERSEDED):
        raise Conflict(
            _("Only a signed measure in force is amended (edit a draft directly)."),
            code="invalid_state",
        )
    if measure.amendments.filter(status=JointMeasure.Status.DRAFT).exists():
        raise Conflict(_("An amendment is already being drafted."), code="duplicate")
    current = {k: getattr(measure, k) for k in MEASURE_FIELDS}
    current.update({k: v for k, v in values.items() if k in MEASURE_FIELDS})
    return joint_measure_create(
        action=measure.action,
        user=user,
        kind=measure.kind,
        issuing_agency=measure.issuing_agency_id,
        amends=measure,
        **current,
    )


def _recheck_create(*, measure: JointMeasure, user) -> JointRecheck:
    """Exactly one re-check task per rectification order, due on its deadline:
    a grid ticket when the site is in the lead's grid, else the lead's own task."""
    case = measure.case
    recheck, created = JointRecheck.objects.get_or_create(
        measure=measure, defaults={"case": case, "due_on": measure.deadline}
    )
    if not created:
        return recheck
    if case.street_id and case.street.district_id == case.lead_agency.district_id:
        ticket = ticket_open(
            category="other",
            source=Ticket.Source.MODULE,
            description=_(
                "Re-check of the rectification order of joint case %(ref)s, due "
                "%(due)s: %(what)s"
            )
            % {
                "ref": case.reference,
                "due": measure.deadline.isoformat(),
                "what": measure.summary,
            },
            lon=case.lon,
            lat=case.lat,
            address=case.address,
            enterprise=case.enterprise,
            origin=f"enforcement.joint_recheck:{recheck.pk}",
        )
        recheck.ticket = ticket
        recheck.save(update_fields=["ticket", "updated_at"])
    log(
        case,
        "recheck",
        _("Re-check task created, due %(due)s") % {"due": measure.deadline.isoformat()},
        actor=user,
        agency=case.lead_agency,
    )
    return recheck


@transaction.atomic
def joint_measure_sign(*, measure: JointMeasure, user) -> JointMeasure:
    """The issuing agency signs: the measure takes effect, is frozen, and a
    rectification order gets its re-check task; an amendment supersedes the
    measure it amends."""
    measure = _locked_measure(measure)
    if measure.status != JointMeasure.Status.DRAFT:
        raise Conflict(_("The measure is already signed."), code="signed")
    if not can_act_for(user=user, agency=measure.issuing_agency, case=measure.case):
        raise PermissionDenied(_("Only the issuing agency signs the measure."))
    measure.issued_on = timezone.localdate()
    _sign(record=measure, user=user, agency=measure.issuing_agency, role="issuer")
    measure.status = JointMeasure.Status.SIGNED
    measure.save(update_fields=["status", "issued_on", "updated_at"])
    if measure.amends_id:
        old = JointMeasure.objects.select_for_update().get(pk=measure.amends_id)
        old.status = JointMeasure.Status.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        JointRecheck.objects.filter(
            measure=old, status=JointRecheck.Status.OPEN
        ).update(status=JointRecheck.Status.CANCELLED, updated_at=timezone.now())
    if measure.kind == JointMeasure.Kind.RECTIFICATION:
        _recheck_create(measure=measure, user=user)
    log(
        measure.case,
        "signed",
        _("%(kind)s signed by %(agency)s")
        % {"kind": measure.get_kind_display(), "agency": measure.issuing_agency},
        actor=user,
        agency=measure.issuing_agency,
    )
    return measure


# An interview and a referral are complete once both sides have signed; a halt
# order is verified on site; a rectification order by its re-check.
DONE_AT_CO_SIGN = (JointMeasure.Kind.INTERVIEW, JointMeasure.Kind.REFERRAL)


@transaction.atomic
def joint_measure_co_sign(*, measure: JointMeasure, user) -> JointMeasure:
    measure = _locked_measure(measure)
    if measure.status != JointMeasure.Status.SIGNED:
        raise Conflict(
            _("Only a signed measure, not yet co-signed, can be co-signed."),
            code="invalid_state",
        )
    agency = _co_signer_agency(
        user=user, case=measure.case, issuer_id=measure.issuing_agency_id
    )
    _sign(record=measure, user=user, agency=agency, role="co_signer")
    if measure.kind in DONE_AT_CO_SIGN:
        measure.status = JointMeasure.Status.VERIFIED
        measure.verified_at = timezone.now()
    else:
        measure.status = JointMeasure.Status.CO_SIGNED
    measure.save(update_fields=["status", "verified_at", "updated_at"])
    log(
        measure.case,
        "co_signed",
        _("%(kind)s co-signed by %(agency)s")
        % {"kind": measure.get_kind_display(), "agency": agency},
        actor=user,
        agency=agency,
    )
    return measure


@transaction.atomic
def joint_measure_verify(*, measure: JointMeasure, user, note: str) -> JointMeasure:
    """The lead confirms a co-signed halt order was carried out."""
    measure = _locked_measure(measure)
    require_lead(user=user, case=measure.case)
    if measure.kind == JointMeasure.Kind.RECTIFICATION:
        raise Conflict(
            _("A rectification order is verified by its re-check."),
            code="invalid_state",
        )
    if measure.status != JointMeasure.Status.CO_SIGNED:
        raise Conflict(
            _("Only a co-signed measure can be verified."), code="invalid_state"
        )
    if not str(note or "").strip():
        raise InvalidInput(fields={"note": [_("Say what was verified.")]})
    measure.status = JointMeasure.Status.VERIFIED
    measure.verified_at, measure.verification_note = timezone.now(), note
    measure.save(
        update_fields=["status", "verified_at", "verification_note", "updated_at"]
    )
    log(
        measure.case,
        "verified",
        _("%(kind)s verified: %(note)s")
        % {"kind": measure.get_kind_display(), "note": note},
        actor=user,
        agency=measure.case.lead_agency,
    )
    return measure


# --------------------------------------------------------------------- re-check


@transaction.atomic
def joint_recheck_record(
    *,
    recheck: JointRecheck,
    user,
    passed: bool,
    outcome: str,
    inspection: Inspection | None = None,
) -> JointRecheck:
    """Record the re-check: passed verifies the rectification order (once it is
    co-signed), failed marks it failed (amend it with a new deadline)."""
    recheck = (
        JointRecheck.objects.select_for_update()
        .select_related("case__lead_agency", "measure")
        .get(pk=recheck.pk)
    )
    case = recheck.case
    require_open(case)
    require_lead(user=user, case=case)
    if recheck.status != JointRecheck.Status.OPEN:
        raise Conflict(_("The re-check is already recorded."), code="invalid_state")
    measure = JointMeasure.objects.select_for_update().get(pk=recheck.measure_id)
    if passed and measure.status != JointMeasure.Status.CO_SIGNED:
        raise Conflict(
            _("The rectification order must be co-signed before it is verified."),
            code="invalid_state",
        )
    if not str(outcome or "").strip():
        raise InvalidInput(fields={"outcome": [_("Describe what the re-check found.")]})
    if inspection is not None and inspection.enterprise_id != case.enterprise_id:
        raise InvalidInput(
            fields={"inspection": [_("The inspection is of another enterprise.")]}
        )
    now = timezone.now()
    recheck.status = (
        JointRecheck.Status.PASSED if passed else JointRecheck.Status.FAILED
    )
    recheck.outcome, recheck.inspection = outcome, inspection
    recheck.done_at, recheck.done_by = now, user
    recheck.save()
    measure.status = (
        JointMeasure.Status.VERIFIED if passed else JointMeasure.Status.FAILED
    )
    measure.verified_at = now if passed else None
    measure.verification_note = outcome
    measure.save(
        update_fields=["status", "verified_at", "verification_note", "updated_at"]
    )
    log(
        case,
        "recheck",
        (_("Re-check passed: %(o)s") if passed else _("Re-check failed: %(o)s"))
        % {"o": outcome},
        actor=user,
        agency=case.lead_agency,
    )
    return recheck


def joint_rechecks_escalate_overdue(*, today: date | None = None) -> int:
    """Periodic: open re-checks past their due date escalate, once, to the lead
    district's team leaders and the lead agency."""
    today = today or timezone.localdate()
    count = 0
    with transaction.atomic():
        overdue = list(
            JointRecheck.objects.select_for_update(skip_locked=True)
            .filter(
                status=JointRecheck.Status.OPEN,
                due_on__lt=today,
                escalated_at__isnull=True,
            )
            .select_related("case__lead_agency")
        )
        for recheck in overdue:
            case = recheck.case
            recheck.escalated_at = timezone.now()
            recheck.save(update_fields=["escalated_at", "updated_at"])
            users = {
                u.pk: u
                for u in team_leaders(district_id=case.lead_agency.district_id)
                + agency_users(agency_ids=[case.lead_agency_id])
            }
            notify(
                users=users.values(),
                category="escalation",
                title=_("Overdue re-check: %(title)s") % {"title": case.title},
                body=_("Due %(due)s") % {"due": recheck.due_on.isoformat()},
                url=recheck.get_absolute_url(),
                urgent=True,
            )
            log(
                case,
                "escalated",
                _("Re-check overdue since %(due)s: escalated to the team leader")
                % {"due": recheck.due_on.isoformat()},
            )
            count += 1
    return count


def joint_recheck_ticket_changed(*, ticket: Ticket) -> int:
    """The grid ticket of an open re-check was closed (or reopened): the case's
    timeline says so and, on closing, the lead agency is asked to record the
    outcome. Passing or failing the order stays the lead's decision; the street
    officer's closing evidence is on the ticket. Returns the re-checks told."""
    closed = ticket.status == Ticket.Status.CLOSED
    told = 0
    for recheck in JointRecheck.objects.filter(
        ticket=ticket, status=JointRecheck.Status.OPEN
    ).select_related("case"):
        case = recheck.case
        if closed:
            text = _(
                "Re-check ticket %(ref)s closed on site: %(resolution)s. "
                "Record the outcome of the re-check."
            ) % {"ref": ticket.reference, "resolution": ticket.resolution or "—"}
            notify(
                users=agency_users(agency_ids=[case.lead_agency_id]),
                category="dispatch",
                title=_("Re-check done on site: %(title)s") % {"title": case.title},
                body=text,
                url=recheck.get_absolute_url(),
            )
        else:
            text = _("Re-check ticket %(ref)s was reopened.") % {
                "ref": ticket.reference
            }
        log(case, "recheck", text)
        told += 1
    return told
