"""Joint enforcement (联合执法, cross-region 生态绿): a case led by one agency,
invitations to street offices and partner bureaus, joint actions with GPS
check-in, measures signed by the issuing agency and co-signed by a partner, and
the re-check tasks that follow rectification deadlines."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.models.enterprises import Enterprise
from enforcement.models.inspections import Inspection
from grid.models import Agency, Street, Ticket


def joint_case_scope_q(user, prefix: str = "") -> Q | None:
    """The joint cases a user may see, as a condition on ``<prefix>``-related case
    fields; None means every case (superuser).

    Bureau staff see the cases led by any agency of their district; everyone sees
    the cases their own agency leads and those it accepted an invitation to (a
    declined or unanswered invitation grants nothing). Nobody else sees a case."""
    from grid.selectors import user_scope

    scope = user_scope(user=user)
    if scope.is_superuser:
        return None
    accepted = JointInvitation.objects.filter(
        agency_id__in=scope.agency_ids, status=JointInvitation.Status.ACCEPTED
    ).values_list("case_id", flat=True)
    if not scope.district_ids:
        # Street and partner officers see few cases: two indexed reads give
        # their ids, so the lists filter by id instead of scanning every case
        # for an OR across two tables.
        led = JointCase.objects.filter(lead_agency_id__in=scope.agency_ids)
        ids = set(led.values_list("pk", flat=True)) | set(accepted)
        return Q(**{f"{prefix}pk__in": sorted(ids)})
    condition = Q(**{f"{prefix}lead_agency__district_id__in": scope.district_ids})
    condition |= Q(**{f"{prefix}lead_agency_id__in": scope.agency_ids})
    condition |= Q(**{f"{prefix}pk__in": accepted})
    return condition


class JointCaseQuerySet(ScopedQuerySet):
    def for_user(self, user):
        condition = joint_case_scope_q(user)
        return self.all() if condition is None else self.filter(condition)


class JointCaseRecordQuerySet(ScopedQuerySet):
    """Records of a joint case are visible with the case."""

    def for_user(self, user):
        condition = joint_case_scope_q(user, prefix="case__")
        return self.all() if condition is None else self.filter(condition)


@history.track()
class JointCase(TimeStampedModel):
    """Joint enforcement case (联合执法案件): one shared file for a problem that
    needs more than one force, at an enterprise or at a site with no registered
    enterprise (e.g. an illegal plant), led by one agency."""

    class Origin(models.TextChoices):
        TICKET = "ticket", _("Grid ticket")
        INSPECTION = "inspection", _("Inspection")
        WARNING = "warning", _("Warning")
        PARTNER_REFERRAL = "partner_referral", _("Partner referral")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Section(models.TextChoices):
        """Parts of the enterprise file the lead may share with invitees."""

        PROFILE = "profile", _("Enterprise profile")
        INSPECTIONS = "inspections", _("Inspections")
        VIOLATIONS = "violations", _("Violations and penalties")

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("facts"), blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    origin_reference = models.CharField(
        _("origin reference"), max_length=60, blank=True
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="joint_cases",
        null=True,
        blank=True,
        verbose_name=_("enterprise"),
    )
    site_name = models.CharField(_("site"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="joint_cases",
        null=True,
        blank=True,
        verbose_name=_("street"),
    )
    lead_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="led_joint_cases",
        verbose_name=_("lead agency"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    shared_sections = models.JSONField(
        _("enterprise file sections shared with invitees"), default=list, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_cases_created",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_cases_closed",
        null=True,
        blank=True,
        verbose_name=_("closed by"),
    )

    objects = JointCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint case")
        verbose_name_plural = _("joint cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    origin__in=["ticket", "inspection", "warning", "partner_referral"]
                ),
                name="enforcement_jointcase_origin_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]),
                name="enforcement_jointcase_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="enforcement_jointcase_location_valid",
            ),
        ]
        indexes = [
            # the case list of a district (lead agency), newest first
            models.Index(
                fields=["lead_agency", "status", "-created_at"],
                name="enforcement_jcase_lead",
            ),
            # the enterprise file: joint cases of one enterprise
            models.Index(fields=["enterprise"], name="enforcement_jcase_ent"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("joint:case-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def place(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.site_name


class JointInvitationQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Invitations of the cases the user sees, and those sent to the user's
        agencies (once sent: awaiting approval they are the lead's draft)."""
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        if scope.district_ids:
            # Bureau staff: the visible cases as a subquery, not a join with OR:
            # the planner keeps the inbox index for the invitee side.
            cases = JointCase.objects.filter(joint_case_scope_q(user))
            condition = Q(case_id__in=cases.values("pk"))
        else:
            # Street and partner officers: their few case ids as an array, which
            # the planner ORs with the inbox index (a bitmap, not a scan).
            condition = joint_case_scope_q(user, prefix="case__")
        agency_ids = scope.agency_ids
        if agency_ids:
            condition |= Q(agency_id__in=agency_ids) & ~Q(
                status__in=JointInvitation.UNSENT
            )
        return self.filter(condition)


@history.track()
class JointInvitation(TimeStampedModel):
    """Joint-enforcement invitation (联合执法邀请函) from the lead agency to a
    street office's enforcement team or a partner bureau of another jurisdiction.
    Cross-jurisdiction invitations wait for the lead's team leader to approve."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVAL_REFUSED = "approval_refused", _("Approval refused")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COUNTER_PROPOSED = "counter_proposed", _("Other time proposed")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    UNSENT = (Status.AWAITING_APPROVAL, Status.APPROVAL_REFUSED)
    OPEN = (Status.AWAITING_APPROVAL, Status.SENT, Status.COUNTER_PROPOSED)

    case = models.ForeignKey(
        JointCase,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("case"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="joint_invitations",
        verbose_name=_("invited agency"),
    )
    purpose = models.TextField(_("purpose"))
    needs = models.TextField(_("what is needed"), blank=True)
    proposed_start = models.DateTimeField(_("proposed time"))
    place = models.CharField(_("meeting place"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SENT
    )
    is_cross_jurisdiction = models.BooleanField(
        _("cross-jurisdiction"), default=False, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_invitations_sent",
        verbose_name=_("invited by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_invitations_approved",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("answer by"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_invitations_answered",
        null=True,
        blank=True,
        verbose_name=_("answered by"),
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    counter_start = models.DateTimeField(
        _("proposed other time"), null=True, blank=True
    )
    counter_note = models.TextField(_("note on the other time"), blank=True)

    objects = JointInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint-enforcement invitation")
        verbose_name_plural = _("joint-enforcement invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "awaiting_approval",
                        "approval_refused",
                        "sent",
                        "accepted",
                        "declined",
                        "counter_proposed",
                        "expired",
                        "withdrawn",
                    ]
                ),
                name="enforcement_jointinvitation_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="enforcement_jointinvitation_decline_has_reason",
            ),
        ]
        indexes = [
            # the invitations inbox of an agency, newest first
            models.Index(
                fields=["agency", "-created_at", "-id"],
                name="enforcement_jinv_inbox",
            ),
            # what a district sent (and the API list), newest first
            models.Index(fields=["-created_at", "-id"], name="enforcement_jinv_new"),
            # access checks: accepted invitations of a case
            models.Index(fields=["case", "status"], name="enforcement_jinv_case"),
            # reminders and expiry sweep
            models.Index(fields=["status", "expires_at"], name="enforcement_jinv_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} → {self.agency}"

    def get_absolute_url(self) -> str:
        return reverse("joint:invitation-detail", args=[self.pk])


class JointTimelineEntry(models.Model):
    """A line of the case's shared timeline (案件时间线): who did what, for which
    agency, when. Append-only."""

    case = models.ForeignKey(
        JointCase, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("what happened"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_case_events",
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="joint_case_events",
        null=True,
        blank=True,
        verbose_name=_("agency"),
    )

    objects = JointCaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("case timeline event")
        verbose_name_plural = _("case timeline events")
        ordering = ["at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        indexes = [
            # the case page's timeline
            models.Index(fields=["case", "at"], name="enforcement_jevent_case"),
        ]

    def __str__(self) -> str:
        return self.text


@history.track()
class JointAction(TimeStampedModel):
    """Joint action (联合行动): one visit by the agencies of a case — when and
    where, who checked in, what was found; its record is signed by the lead and
    co-signed by a partner."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being recorded")
        SIGNED = "signed", _("Signed")
        CO_SIGNED = "co_signed", _("Co-signed")

    case = models.ForeignKey(
        JointCase,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("case"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_actions_recorded",
        verbose_name=_("recorded by"),
    )

    objects = JointCaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint action")
        verbose_name_plural = _("joint actions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed", "co_signed"]),
                name="enforcement_jointaction_status_valid",
            ),
        ]
        indexes = [
            # the calendar: actions by date
            models.Index(fields=["starts_at"], name="enforcement_jaction_start"),
            models.Index(fields=["case", "starts_at"], name="enforcement_jaction_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {timezone.localtime(self.starts_at):%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("joint:action-mobile", args=[self.pk])


class JointParticipant(models.Model):
    """A participant of a joint action (参与人员), checked in on the phone with
    GPS; a check-in far from the site is kept and flagged, not refused."""

    action = models.ForeignKey(
        JointAction,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("joint action"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_participations",
        verbose_name=_("officer"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="joint_participations",
        verbose_name=_("agency"),
    )
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance from the site (m)"))
    is_far = models.BooleanField(_("far from the site"), default=False)

    class Meta:
        verbose_name = _("joint-action participant")
        verbose_name_plural = _("joint-action participants")
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "user"], name="enforcement_jointparticipant_unique"
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="enforcement_jointparticipant_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency}"


@history.track()
class JointMeasure(TimeStampedModel):
    """Measure taken in a joint action (联合执法措施): a collective interview
    (约谈), an order to halt production (责令停产), a rectification order (责令
    整改) or a referral to another authority (移送). Signed by the issuing agency,
    co-signed by a partner; once signed it changes only by a new measure that
    amends it."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Collective interview")
        HALT = "halt", _("Order to halt production")
        RECTIFICATION = "rectification", _("Rectification order")
        REFERRAL = "referral", _("Referral to another authority")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        CO_SIGNED = "co_signed", _("Co-signed")
        VERIFIED = "verified", _("Verified")
        FAILED = "failed", _("Failed re-check")
        SUPERSEDED = "superseded", _("Superseded")

    SIGNED_STATES = (Status.SIGNED, Status.CO_SIGNED, Status.VERIFIED, Status.FAILED)

    case = models.ForeignKey(
        JointCase,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("case"),
    )
    action = models.ForeignKey(
        JointAction,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("joint action"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    issuing_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="joint_measures_issued",
        verbose_name=_("issuing agency"),
    )
    summary = models.TextField(_("content"))
    # interview
    attendees = models.JSONField(_("attendees"), default=list, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    # halt order
    halt_scope = models.CharField(_("scope of the halt"), max_length=300, blank=True)
    halt_from = models.DateField(_("halt from"), null=True, blank=True)
    halt_until = models.DateField(_("halt until"), null=True, blank=True)
    # rectification order
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    # referral
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="amendments",
        null=True,
        blank=True,
        verbose_name=_("amends"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_measures_recorded",
        verbose_name=_("recorded by"),
    )

    objects = JointCaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint measure")
        verbose_name_plural = _("joint measures")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["interview", "halt", "rectification", "referral"]
                ),
                name="enforcement_jointmeasure_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "signed",
                        "co_signed",
                        "verified",
                        "failed",
                        "superseded",
                    ]
                ),
                name="enforcement_jointmeasure_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="rectification") | Q(deadline__isnull=False),
                name="enforcement_jointmeasure_rectification_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(halt_until__isnull=True)
                | Q(halt_from__isnull=True)
                | Q(halt_until__gte=models.F("halt_from")),
                name="enforcement_jointmeasure_halt_dates_ordered",
            ),
        ]
        indexes = [
            # health-code factors: signed measures by kind and date
            models.Index(
                fields=["kind", "status", "issued_on"], name="enforcement_jm_kind"
            ),
            models.Index(fields=["case", "status"], name="enforcement_jm_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.case.reference}"

    def get_absolute_url(self) -> str:
        return f"{self.case.get_absolute_url()}#measure-{self.pk}"


class JointSignatureQuerySet(ScopedQuerySet):
    def for_user(self, user):
        condition = joint_case_scope_q(user, prefix="case__")
        return self.all() if condition is None else self.filter(condition)


class JointSignature(models.Model):
    """A signature (签章) on a joint action's record or a measure, by one agency:
    who signed, when, and the SHA-256 of the content signed. Append-only."""

    class Role(models.TextChoices):
        ISSUER = "issuer", _("Issued and signed")
        CO_SIGNER = "co_signer", _("Co-signed")

    case = models.ForeignKey(
        JointCase, on_delete=models.PROTECT, related_name="signatures"
    )
    action = models.ForeignKey(
        JointAction,
        on_delete=models.PROTECT,
        related_name="signatures",
        null=True,
        blank=True,
    )
    measure = models.ForeignKey(
        JointMeasure,
        on_delete=models.PROTECT,
        related_name="signatures",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="joint_signatures",
        verbose_name=_("agency"),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_signatures",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)

    objects = JointSignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__isnull=True, measure__isnull=False)
                | Q(action__isnull=False, measure__isnull=True),
                name="enforcement_jointsignature_one_record",
            ),
            models.UniqueConstraint(
                fields=["action", "agency"],
                condition=Q(action__isnull=False),
                name="enforcement_jointsignature_action_agency_unique",
            ),
            models.UniqueConstraint(
                fields=["measure", "agency"],
                condition=Q(measure__isnull=False),
                name="enforcement_jointsignature_measure_agency_unique",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["issuer", "co_signer"]),
                name="enforcement_jointsignature_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.get_role_display()}"


class JointEvidence(models.Model):
    """Evidence of a joint case (证据): a photo or document, with its SHA-256,
    uploaded by a participating agency, optionally for one joint action."""

    case = models.ForeignKey(
        JointCase,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("case"),
    )
    action = models.ForeignKey(
        JointAction,
        on_delete=models.PROTECT,
        related_name="evidence",
        null=True,
        blank=True,
        verbose_name=_("joint action"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="joint_evidence",
        verbose_name=_("agency"),
    )
    file = models.FileField(_("file"), upload_to="joint/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_evidence",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = JointCaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]

    def get_absolute_url(self) -> str:
        return reverse("joint:evidence-download", args=[self.pk])


@history.track()
class JointRecheck(TimeStampedModel):
    """Re-check task (整改复查) of a rectification order: exactly one per order,
    due on its deadline, carried out through a grid ticket (a site in the lead's
    grid) or directly by the lead; overdue ones escalate to the team leader."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        JointCase,
        on_delete=models.PROTECT,
        related_name="rechecks",
        verbose_name=_("case"),
    )
    measure = models.OneToOneField(
        JointMeasure,
        on_delete=models.PROTECT,
        related_name="recheck",
        verbose_name=_("rectification order"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="joint_rechecks",
        null=True,
        blank=True,
        verbose_name=_("grid ticket"),
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        related_name="joint_rechecks",
        null=True,
        blank=True,
        verbose_name=_("re-check inspection"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="joint_rechecks_done",
        null=True,
        blank=True,
        verbose_name=_("done by"),
    )

    objects = JointCaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-check task")
        verbose_name_plural = _("re-check tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "passed", "failed", "cancelled"]),
                name="enforcement_jointrecheck_status_valid",
            ),
        ]
        indexes = [
            # the overdue sweep: open tasks by due date
            models.Index(fields=["status", "due_on"], name="enforcement_jrc_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.due_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return f"{self.case.get_absolute_url()}#recheck-{self.pk}"
