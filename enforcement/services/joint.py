"""Writes of joint enforcement (联合执法): cases, invitations and their approval,
answers, reminders and expiry, access sections, closing. Actions, measures and
re-checks are in ``enforcement.services.joint_actions``."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, PermissionDenied
from core.notifications import notify
from enforcement.models import (
    Enterprise,
    JointCase,
    JointInvitation,
    JointMeasure,
    JointTimelineEntry,
)
from grid.models import Agency, Membership
from grid.selectors import grid_cell_locate, user_scope

REMIND_AFTER = timedelta(hours=24)
ANSWER_WITHIN = timedelta(days=3)


# ------------------------------------------------------------------ who may act


def can_act_for(*, user, agency: Agency, case: JointCase) -> bool:
    """The user may speak for this agency in this case: a member of it, or bureau
    staff of the lead's district speaking for the lead agency."""
    scope = user_scope(user=user)
    if scope.is_superuser or agency.pk in scope.agency_ids:
        return True
    return agency.pk == case.lead_agency_id and (
        case.lead_agency.district_id in scope.district_ids
    )


def is_lead_side(*, user, case: JointCase) -> bool:
    return can_act_for(user=user, agency=case.lead_agency, case=case)


def party_agency_ids(*, case: JointCase) -> set[int]:
    """The lead agency and every agency that accepted an invitation."""
    accepted = case.invitations.filter(
        status=JointInvitation.Status.ACCEPTED
    ).values_list("agency_id", flat=True)
    return {case.lead_agency_id, *accepted}


def acting_agency(*, user, case: JointCase) -> Agency:
    """The agency the user acts for in this case (the lead first)."""
    if is_lead_side(user=user, case=case):
        return case.lead_agency
    scope = user_scope(user=user)
    ids = party_agency_ids(case=case) & set(scope.agency_ids)
    if not ids:
        raise PermissionDenied(_("Your agency is not a party to this case."))
    return Agency.objects.get(pk=min(ids))


def require_open(case: JointCase) -> None:
    if case.status != JointCase.Status.OPEN:
        raise Conflict(
            _("The case is closed; its file is read-only."), code="case_closed"
        )


def require_lead(*, user, case: JointCase) -> None:
    if not is_lead_side(user=user, case=case):
        raise PermissionDenied(_("Only the lead agency may do this."))


def log(
    case: JointCase, kind: str, text: str, *, actor=None, agency=None
) -> JointTimelineEntry:
    return JointTimelineEntry.objects.create(
        case=case,
        kind=kind,
        text=str(text)[:500],
        actor=actor if actor is not None and actor.is_authenticated else None,
        agency=agency,
    )


def agency_users(*, agency_ids) -> list:
    return [
        m.user
        for m in Membership.objects.active()
        .filter(agency_id__in=list(agency_ids))
        .select_related("user")
    ]


def team_leaders(*, district_id: int) -> list:
    return [
        m.user
        for m in Membership.objects.active()
        .filter(role=Membership.Role.BUREAU_ADMIN, agency__district_id=district_id)
        .select_related("user")
    ]


def locked_case(case: JointCase) -> JointCase:
    return (
        JointCase.objects.select_for_update()
        .select_related("lead_agency")
        .get(pk=case.pk)
    )


# ------------------------------------------------------------------------ cases


@transaction.atomic
def joint_case_open(
    *,
    user,
    title: str,
    origin: str,
    description: str = "",
    origin_reference: str = "",
    enterprise: Enterprise | None = None,
    site_name: str = "",
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    lead_agency: Agency | None = None,
) -> JointCase:
    """Open a joint case led by one of the user's agencies (the bureau or a street
    office); at an enterprise, or at a site given by name and location."""
    scope = user_scope(user=user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("Only bureau or street-office staff open cases."))
    errors: dict[str, list[str]] = {}
    if not str(title or "").strip():
        errors["title"] = [_("Give the case a title.")]
    if origin not in JointCase.Origin.values:
        errors["origin"] = [_("Unknown origin.")]
    if enterprise is None:
        if not str(site_name or "").strip():
            errors["site_name"] = [_("Name the site, or choose an enterprise.")]
        if lon is None or lat is None:
            errors["lon"] = [_("A site without an enterprise needs its location.")]
    elif lon is None or lat is None:
        lon, lat = enterprise.lon, enterprise.lat
    if lon is not None and not -180 <= lon <= 180:
        errors["lon"] = [_("Longitude must be between -180 and 180.")]
    if lat is not None and not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if lead_agency is None:
        mine = Agency.objects.filter(
            pk__in=scope.agency_ids,
            kind__in=[Agency.Kind.BUREAU, Agency.Kind.STREET_OFFICE],
        ).order_by("kind", "pk")
        lead_agency = mine.first()
    if lead_agency is None or (
        not scope.is_superuser and lead_agency.pk not in scope.agency_ids
    ):
        errors["lead_agency"] = [_("You can only open a case for your own agency.")]
    if errors:
        raise InvalidInput(fields=errors)
    street = enterprise.street if enterprise is not None else None
    if street is None:
        cell = grid_cell_locate(lon=lon, lat=lat)
        street = cell.street if cell is not None else None
    case = JointCase.objects.create(
        reference=f"LH{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}",
        title=title.strip(),
        description=description,
        origin=origin,
        origin_reference=origin_reference,
        enterprise=enterprise,
        site_name=site_name if enterprise is None else "",
        address=address or (enterprise.address if enterprise else ""),
        lon=lon,
        lat=lat,
        street=street,
        lead_agency=lead_agency,
        created_by=user,
    )
    log(case, "opened", _("Case opened"), actor=user, agency=lead_agency)
    return case


@transaction.atomic
def joint_case_share_sections(*, case: JointCase, user, sections: list[str]):
    """The lead shares chosen sections of the enterprise file with invitees."""
    case = locked_case(case)
    require_lead(user=user, case=case)
    require_open(case)
    unknown = [s for s in sections if s not in JointCase.Section.values]
    if unknown:
        raise InvalidInput(
            fields={"sections": [_("Unknown section: %(s)s") % {"s": unknown[0]}]}
        )
    case.shared_sections = sorted(set(sections))
    case.save(update_fields=["shared_sections", "updated_at"])
    labels = dict(JointCase.Section.choices)
    log(
        case,
        "shared",
        _("Shared with invitees: %(sections)s")
        % {"sections": "、".join(str(labels[s]) for s in case.shared_sections) or "—"},
        actor=user,
        agency=case.lead_agency,
    )
    return case


@transaction.atomic
def joint_case_close(*, case: JointCase, user, note: str = "") -> JointCase:
    """Close the case when every measure (but those amended by a later one) is
    verified; the file stays readable, read-only, for every party."""
    case = locked_case(case)
    require_lead(user=user, case=case)
    require_open(case)
    pending = case.measures.exclude(
        status__in=[JointMeasure.Status.VERIFIED, JointMeasure.Status.SUPERSEDED]
    )
    if pending.exists():
        raise Conflict(
            _("%(count)d measure(s) are not verified yet; the case stays open.")
            % {"count": pending.count()},
            code="measures_pending",
        )
    now = timezone.now()
    case.invitations.filter(status__in=JointInvitation.OPEN).update(
        status=JointInvitation.Status.WITHDRAWN, updated_at=now
    )
    case.status = JointCase.Status.CLOSED
    case.closed_at, case.closed_by = now, user
    case.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    log(
        case,
        "closed",
        _("Case closed") + (f": {note}" if note else ""),
        actor=user,
        agency=case.lead_agency,
    )
    return case


# ------------------------------------------------------------------ invitations


def invitable(*, case: JointCase, agency: Agency) -> bool:
    """A street office of the lead's district, or a bureau of another
    jurisdiction (a partner bureau, or a district bureau invited by a partner)."""
    if agency.pk == case.lead_agency_id:
        return False
    if agency.kind == Agency.Kind.STREET_OFFICE:
        return agency.district_id == case.lead_agency.district_id
    return agency.district_id != case.lead_agency.district_id


def _send(invitation: JointInvitation, *, now: datetime) -> None:
    invitation.status = JointInvitation.Status.SENT
    invitation.sent_at = now
    invitation.expires_at = min(invitation.proposed_start, now + ANSWER_WITHIN)
    notify(
        users=agency_users(agency_ids=[invitation.agency_id]),
        category="invitation",
        title=_("Joint-enforcement invitation: %(title)s")
        % {"title": invitation.case.title},
        body=invitation.purpose,
        url=invitation.get_absolute_url(),
        agency_ids=[invitation.agency_id],
    )


@transaction.atomic
def joint_invitation_create(
    *,
    case: JointCase,
    user,
    agency_id,
    purpose: str,
    proposed_start: datetime,
    needs: str = "",
    place: str = "",
) -> JointInvitation:
    """Invite an agency. Within the district it is sent at once; to another
    jurisdiction it waits for the lead's team leader to approve."""
    case = locked_case(case)
    require_lead(user=user, case=case)
    require_open(case)
    errors: dict[str, list[str]] = {}
    agency = None
    if agency_id in (None, ""):
        errors["agency"] = [_("Choose the agency to invite.")]
    else:
        try:
            agency = Agency.objects.filter(pk=int(agency_id)).first()
        except (TypeError, ValueError):
            agency = None
        if agency is None or not invitable(case=case, agency=agency):
            errors["agency"] = [_("Unknown agency, or one that cannot be invited.")]
            agency = None
    if not str(purpose or "").strip():
        errors["purpose"] = [_("Say what the joint action is for.")]
    now = timezone.now()
    if proposed_start is None:
        errors["proposed_start"] = [_("Propose a time.")]
    elif proposed_start <= now:
        errors["proposed_start"] = [_("The proposed time must be in the future.")]
    if errors:
        raise InvalidInput(fields=errors)
    if case.invitations.filter(
        agency=agency,
        status__in=[*JointInvitation.OPEN, JointInvitation.Status.ACCEPTED],
    ).exists():
        raise InvalidInput(
            fields={"agency": [_("This agency already has an invitation here.")]}
        )
    cross = agency.district_id != case.lead_agency.district_id
    invitation = JointInvitation(
        case=case,
        agency=agency,
        purpose=purpose.strip(),
        needs=needs,
        proposed_start=proposed_start,
        place=place,
        is_cross_jurisdiction=cross,
        invited_by=user,
        expires_at=proposed_start,
        status=JointInvitation.Status.AWAITING_APPROVAL,
    )
    if cross:
        invitation.save()
        log(
            case,
            "invitation",
            _("Invitation to %(agency)s awaits the team leader's approval")
            % {"agency": agency},
            actor=user,
            agency=case.lead_agency,
        )
        notify(
            users=team_leaders(district_id=case.lead_agency.district_id),
            category="invitation",
            title=_("Approve a cross-jurisdiction invitation: %(title)s")
            % {"title": case.title},
            body=str(agency),
            url=invitation.get_absolute_url(),
        )
    else:
        invitation.save()
        _send(invitation, now=now)
        invitation.save()
        log(
            case,
            "invitation",
            _("Invitation sent to %(agency)s") % {"agency": agency},
            actor=user,
            agency=case.lead_agency,
        )
    return invitation


def _locked_invitation(invitation: JointInvitation) -> JointInvitation:
    return (
        JointInvitation.objects.select_for_update()
        .select_related("case__lead_agency", "agency")
        .get(pk=invitation.pk)
    )


def _require_status(invitation: JointInvitation, *statuses) -> None:
    if invitation.status not in statuses:
        raise Conflict(
            _("The invitation is %(status)s; this is not possible now.")
            % {"status": invitation.get_status_display()},
            code="invitation_state",
        )


@transaction.atomic
def joint_invitation_approve(
    *, invitation: JointInvitation, user, approve: bool = True, reason: str = ""
) -> JointInvitation:
    """The lead's team leader (bureau administrator of the lead's district)
    approves a cross-jurisdiction invitation, which sends it, or refuses it."""
    invitation = _locked_invitation(invitation)
    case = invitation.case
    scope = user_scope(user=user)
    if not (
        scope.is_superuser
        or (
            "bureau_admin" in scope.roles
            and case.lead_agency.district_id in scope.district_ids
        )
    ):
        raise PermissionDenied(_("Only the lead's team leader approves this."))
    require_open(case)
    _require_status(invitation, JointInvitation.Status.AWAITING_APPROVAL)
    now = timezone.now()
    invitation.approved_by = user
    if approve:
        _send(invitation, now=now)
        text = _("Team leader approved; invitation sent to %(agency)s")
    else:
        if not str(reason or "").strip():
            raise InvalidInput(fields={"reason": [_("Give a reason.")]})
        invitation.status = JointInvitation.Status.APPROVAL_REFUSED
        invitation.decline_reason = reason
        text = _("Team leader refused the invitation to %(agency)s")
    invitation.save()
    log(case, "approval", text % {"agency": invitation.agency}, actor=user)
    return invitation


def _require_invitee(*, user, invitation: JointInvitation) -> None:
    scope = user_scope(user=user)
    if not (scope.is_superuser or invitation.agency_id in scope.agency_ids):
        raise PermissionDenied(_("Only the invited agency answers."))


@transaction.atomic
def joint_invitation_answer(
    *,
    invitation: JointInvitation,
    user,
    answer: str,
    reason: str = "",
    proposed_start: datetime | None = None,
    note: str = "",
) -> JointInvitation:
    """The invited agency accepts, declines (with a reason) or proposes another
    time. Accepting grants the agency's users access to the case."""
    invitation = _locked_invitation(invitation)
    _require_invitee(user=user, invitation=invitation)
    require_open(invitation.case)
    _require_status(invitation, JointInvitation.Status.SENT)
    now = timezone.now()
    if answer == "accept":
        invitation.status = JointInvitation.Status.ACCEPTED
        text = _("%(agency)s accepted")
    elif answer == "decline":
        if not str(reason or "").strip():
            raise InvalidInput(fields={"reason": [_("Say why you decline.")]})
        invitation.status = JointInvitation.Status.DECLINED
        invitation.decline_reason = reason.strip()
        text = _("%(agency)s declined")
    elif answer == "propose":
        if proposed_start is None:
            raise InvalidInput(fields={"proposed_start": [_("Propose a time.")]})
        if proposed_start <= now:
            raise InvalidInput(
                fields={
                    "proposed_start": [_("The proposed time must be in the future.")]
                }
            )
        invitation.status = JointInvitation.Status.COUNTER_PROPOSED
        invitation.counter_start, invitation.counter_note = proposed_start, note
        text = _("%(agency)s proposed another time")
    else:
        raise InvalidInput(fields={"answer": [_("Unknown answer.")]})
    invitation.responded_by, invitation.responded_at = user, now
    invitation.save()
    log(
        invitation.case,
        "answer",
        text % {"agency": invitation.agency},
        actor=user,
        agency=invitation.agency,
    )
    notify(
        users=agency_users(agency_ids=[invitation.case.lead_agency_id]),
        category="invitation",
        title=text % {"agency": invitation.agency},
        body=invitation.case.title,
        url=invitation.get_absolute_url(),
    )
    return invitation


@transaction.atomic
def joint_invitation_settle_time(
    *, invitation: JointInvitation, user, agree: bool
) -> JointInvitation:
    """The lead agrees to the other time (the invitation is then accepted) or
    withdraws the invitation."""
    invitation = _locked_invitation(invitation)
    require_lead(user=user, case=invitation.case)
    require_open(invitation.case)
    if agree:
        _require_status(invitation, JointInvitation.Status.COUNTER_PROPOSED)
        invitation.proposed_start = invitation.counter_start
        invitation.status = JointInvitation.Status.ACCEPTED
        text = _("Lead agreed to the time proposed by %(agency)s")
    else:
        _require_status(invitation, *JointInvitation.OPEN)
        invitation.status = JointInvitation.Status.WITHDRAWN
        text = _("Invitation to %(agency)s withdrawn")
    invitation.save()
    log(
        invitation.case,
        "invitation",
        text % {"agency": invitation.agency},
        actor=user,
        agency=invitation.case.lead_agency,
    )
    return invitation


def joint_invitations_remind_and_expire(*, now: datetime | None = None) -> dict:
    """Periodic: remind invitees who have not answered after a day (once), and
    expire invitations not answered by their deadline."""
    now = now or timezone.now()
    remind_after = getattr(settings, "JOINT_INVITATION_REMIND_AFTER", REMIND_AFTER)
    reminded = expired = 0
    with transaction.atomic():
        due = list(
            JointInvitation.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=JointInvitation.OPEN,
                expires_at__lte=now,
            )
            .select_related("case", "agency")
        )
        for invitation in due:
            invitation.status = JointInvitation.Status.EXPIRED
            invitation.save(update_fields=["status", "updated_at"])
            log(
                invitation.case,
                "invitation",
                _("Invitation to %(agency)s expired unanswered")
                % {"agency": invitation.agency},
            )
            expired += 1
    with transaction.atomic():
        due = list(
            JointInvitation.objects.select_for_update(skip_locked=True)
            .filter(
                status=JointInvitation.Status.SENT,
                reminded_at__isnull=True,
                sent_at__lte=now - remind_after,
            )
            .select_related("case")
        )
        for invitation in due:
            notify(
                users=agency_users(agency_ids=[invitation.agency_id]),
                category="invitation",
                title=_("Reminder: please answer the invitation: %(title)s")
                % {"title": invitation.case.title},
                url=invitation.get_absolute_url(),
                agency_ids=[invitation.agency_id],
            )
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at", "updated_at"])
            reminded += 1
    return {"reminded": reminded, "expired": expired}
