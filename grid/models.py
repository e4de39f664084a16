"""Geography and people: district -> street -> grid cell, agencies, memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import history
from core.models import ScopedQuerySet, TimeStampedModel


class DistrictQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(id__in=scope.district_ids) | Q(streets__id__in=scope.street_ids)
        ).distinct()


class BureauRecordQuerySet(ScopedQuerySet):
    """Rows with a ``district`` that only that district's bureau staff see (data
    review decisions): street officers and enterprise users see none."""

    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(district_id__in=scope.district_ids)


class District(TimeStampedModel):
    """District (区): the jurisdiction one bureau supervises. Partner
    jurisdictions (neighbouring districts or cities) are districts too."""

    code = models.CharField(_("administrative code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StreetQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(district_id__in=scope.district_ids) | Q(id__in=scope.street_ids)
        )


class Street(TimeStampedModel):
    """Street or town (街镇): the unit a street office governs."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="streets",
        verbose_name=_("district"),
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    objects = StreetQuerySet.as_manager()

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridCellQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(street__district_id__in=scope.district_ids)
            | Q(street_id__in=scope.street_ids)
        )

    def in_bbox(self, *, west: float, south: float, east: float, north: float):
        return self.filter(
            min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south
        )


@history.track()
class GridCell(TimeStampedModel):
    """Grid cell (网格): the smallest area with named officers on duty."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="cells", verbose_name=_("street")
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    # Bounding box, kept in step by grid.services, for viewport queries.
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)

    objects = GridCellQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AgencyQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(district_id__in=scope.district_ids) | Q(id__in=scope.agency_ids)
        )


class Agency(TimeStampedModel):
    """Agency (机构): the bureau (生态环境局) and its enforcement team, a street
    office (街道办事处, 综合执法队), or a partner bureau of a neighbouring
    jurisdiction."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Bureau")
        STREET_OFFICE = "street_office", _("Street office")
        PARTNER_BUREAU = "partner_bureau", _("Partner bureau")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="agencies",
        null=True,
        blank=True,
        verbose_name=_("street"),
        help_text=_("Only for street offices."),
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["district", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["bureau", "street_office", "partner_bureau"]),
                name="grid_agency_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="street_office", street__isnull=False)
                | (~Q(kind="street_office") & Q(street__isnull=True)),
                name="grid_agency_street_only_for_street_office",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(agency__district_id__in=scope.district_ids) | Q(user_id=user.pk)
        )

    def active(self):
        return self.filter(is_active=True, user__is_active=True)


@history.track()
class Membership(TimeStampedModel):
    """Membership (岗位): a user's role in an agency, and the streets and grid
    cells they cover. A bureau officer listed on a street is that street's bureau
    contact in the grid; a street officer sees only the streets listed."""

    class Role(models.TextChoices):
        BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
        BUREAU_OFFICER = "bureau_officer", _("Bureau officer")
        STREET_OFFICER = "street_officer", _("Street officer")
        PARTNER_OFFICER = "partner_officer", _("Partner officer")

    BUREAU_ROLES = (Role.BUREAU_ADMIN, Role.BUREAU_OFFICER)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    streets = models.ManyToManyField(
        Street,
        blank=True,
        related_name="memberships",
        verbose_name=_("streets covered"),
    )
    cells = models.ManyToManyField(
        GridCell,
        blank=True,
        related_name="memberships",
        verbose_name=_("grid cells covered"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    on_duty = models.BooleanField(_("on duty"), default=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="grid_membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(
                    role__in=[
                        "bureau_admin",
                        "bureau_officer",
                        "street_officer",
                        "partner_officer",
                    ]
                ),
                name="grid_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency}"


# ----------------------------------------------------------------------------
# Dispatch (一张网): tickets, their categories, transitions and evidence.


class TicketCategory(TimeStampedModel):
    """Ticket category (事件类别) with its stage time limits in working hours
    (GB/T 30428 family: limits per case class, counted in working time)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    dispatch_hours = models.DecimalField(
        _("dispatch limit (working hours)"), max_digits=6, decimal_places=2
    )
    accept_hours = models.DecimalField(
        _("acceptance limit (working hours)"), max_digits=6, decimal_places=2
    )
    handle_hours = models.DecimalField(
        _("handling limit (working hours)"), max_digits=6, decimal_places=2
    )
    verify_hours = models.DecimalField(
        _("verification limit (working hours)"), max_digits=6, decimal_places=2
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dispatch_hours__gt=0)
                & Q(accept_hours__gt=0)
                & Q(handle_hours__gt=0)
                & Q(verify_hours__gt=0),
                name="grid_ticketcategory_limits_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def stage_hours(self, stage: str):
        return getattr(self, f"{stage}_hours")


class Holiday(models.Model):
    """Calendar day (节假日/调休): a public holiday, or a weekend day that is
    worked in exchange (调休上班). Working-time deadlines read this table."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]),
                name="grid_holiday_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class TicketQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        condition = Q(pk__in=[])
        if scope.district_ids:
            condition |= Q(district_id__in=scope.district_ids)
        if scope.street_ids:
            condition |= Q(street_id__in=scope.street_ids)
        if user is not None and user.is_authenticated and not scope.is_staff_member:
            # Enterprise users see tickets about their own enterprise; any logged-in
            # reporter sees what they reported.
            condition |= Q(reporter_id=user.pk) | Q(
                enterprise__accounts__user_id=user.pk
            )
        return self.filter(condition)

    def open(self):
        return self.filter(status__in=Ticket.OPEN_STATUSES)

    def public(self):
        """Complaints the public made (the public status page, Open311): never
        monitoring alarms, waste warnings, patrol findings or other modules'
        tickets, which name enterprises before anything is decided."""
        return self.filter(source__in=Ticket.PUBLIC_SOURCES)


class Ticket(TimeStampedModel):
    """Ticket (事件/工单): a complaint, alarm or finding that must end in a traced
    closure by the officer of the grid cell where it happens."""

    class Source(models.TextChoices):
        CITIZEN_WEB = "citizen_web", _("Citizen (web)")
        CITIZEN_QR = "citizen_qr", _("Citizen (QR page)")
        OPEN311 = "open311", _("Open311")
        HOTLINE = "hotline", _("Hotline (entered by staff)")
        MONITORING_ALERT = "monitoring_alert", _("Monitoring alert")
        HAZWASTE_WARNING = "hazwaste_warning", _("Hazardous-waste warning")
        PATROL = "patrol", _("Patrol finding")
        MODULE = "module", _("Other module")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        REGISTERED = "registered", _("Registered")
        DISPATCHED = "dispatched", _("Dispatched")
        IN_PROGRESS = "in_progress", _("In progress")
        HANDLED = "handled", _("Handled")
        VERIFIED = "verified", _("Verified")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged")
        REOPENED = "reopened", _("Reopened")

    class Queue(models.TextChoices):
        OFFICER = "officer", _("Officer")
        STREET = "street", _("Street queue")
        DISTRICT = "district", _("District queue")

    class Level(models.IntegerChoices):
        CELL = 0, _("Grid cell")
        STREET = 1, _("Street")
        DISTRICT = 2, _("District")

    # Sources of complaints made by the public (the hotline is a citizen's call
    # typed in by staff); only these are shown on public pages.
    PUBLIC_SOURCES = (
        Source.CITIZEN_WEB,
        Source.CITIZEN_QR,
        Source.OPEN311,
        Source.HOTLINE,
    )

    OPEN_STATUSES = (
        Status.REPORTED,
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.HANDLED,
        Status.VERIFIED,
        Status.REOPENED,
    )
    # The officer's own list: what still needs the officer's hands.
    OFFICER_OPEN_STATUSES = (
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REOPENED,
    )

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    category = models.ForeignKey(
        TicketCategory,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("category"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    description = models.TextField(_("description"), max_length=4000)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    enterprise = models.ForeignKey(
        "enforcement.Enterprise",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("enterprise"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_tickets",
        verbose_name=_("reporter"),
    )
    reporter_contact = models.CharField(
        _("reporter contact"), max_length=200, blank=True
    )
    # SHA-256 of the secret in the citizen's status link; lets the reporter
    # confirm or contest the closure without an account.
    reporter_key_hash = models.CharField(max_length=64, blank=True, editable=False)
    origin = models.CharField(_("origin"), max_length=120, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("street"),
    )
    grid_cell = models.ForeignKey(
        GridCell,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("grid cell"),
    )
    queue = models.CharField(
        _("queue"), max_length=10, choices=Queue.choices, default=Queue.OFFICER
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned officer"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_tickets",
        verbose_name=_("handled by"),
    )
    stage_deadline = models.DateTimeField(_("stage deadline"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=Level.choices, default=Level.CELL
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    extension_requested_hours = models.DecimalField(
        _("extension requested (working hours)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    inspection_reference = models.CharField(
        _("inspection record"),
        max_length=120,
        blank=True,
        help_text=_("An inspection record that serves as closing evidence."),
    )
    violation_confirmed = models.BooleanField(_("violation confirmed"), default=False)
    resolution = models.TextField(_("resolution"), blank=True, max_length=4000)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reporter_confirmed_at = models.DateTimeField(
        _("confirmed by the reporter at"), null=True, blank=True
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    source__in=[
                        "citizen_web",
                        "citizen_qr",
                        "open311",
                        "hotline",
                        "monitoring_alert",
                        "hazwaste_warning",
                        "patrol",
                        "module",
                    ]
                ),
                name="grid_ticket_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "reported",
                        "registered",
                        "dispatched",
                        "in_progress",
                        "handled",
                        "verified",
                        "closed",
                        "rejected",
                        "merged",
                        "reopened",
                    ]
                ),
                name="grid_ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(queue__in=["officer", "street", "district"]),
                name="grid_ticket_queue_valid",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__in=[0, 1, 2]),
                name="grid_ticket_escalation_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="grid_ticket_location_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="grid_ticket_merged_has_original",
            ),
        ]
        indexes = [
            # the officer's "my open tickets", sorted by deadline, and each
            # officer's open load when routing: only open tickets are indexed,
            # and the street rides along so counting needs no table visit
            models.Index(
                fields=["assignee", "stage_deadline", "id", "street", "status"],
                condition=Q(status__in=["dispatched", "in_progress", "reopened"]),
                name="grid_ticket_officer_open",
            ),
            # bureau list and dispatch board: a street's tickets by status
            models.Index(
                fields=["street", "status", "reported_at"],
                name="grid_ticket_street_status",
            ),
            # escalation sweep: open tickets past their stage deadline
            models.Index(
                fields=["stage_deadline", "escalation_level"],
                name="grid_ticket_deadline_level",
            ),
            # duplicate suggestion: same category, nearby, recent
            models.Index(
                fields=["category", "reported_at", "lat"],
                name="grid_ticket_category_recent",
            ),
            # Open311 GET requests.json and district lists by date
            models.Index(
                fields=["district", "reported_at"], name="grid_ticket_district_date"
            ),
            # the enterprise file's ticket timeline and the complaint factor
            models.Index(
                fields=["enterprise", "status"], name="grid_ticket_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("grid:ticket-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None


class TicketTransition(models.Model):
    """Ticket transition (流转记录): one step of a ticket's life — who, when,
    where (GPS for field steps), note and evidence. Never changed afterwards."""

    class Action(models.TextChoices):
        REPORT = "report", _("Reported")
        REGISTER = "register", _("Registered")
        DISPATCH = "dispatch", _("Dispatched")
        REDISPATCH = "redispatch", _("Re-dispatched")
        ACCEPT = "accept", _("Accepted")
        HAND_BACK = "hand_back", _("Handed back")
        HANDLE = "handle", _("Handled")
        VERIFY = "verify", _("Verified")
        VERIFY_FAIL = "verify_fail", _("Verification failed")
        CLOSE = "close", _("Closed")
        REJECT = "reject", _("Rejected")
        MERGE = "merge", _("Merged")
        ABSORB = "absorb", _("Duplicate merged in")
        REOPEN = "reopen", _("Reopened")
        CONFIRM = "confirm", _("Closure confirmed by the reporter")
        REQUEST_EXTENSION = "request_extension", _("Extension requested")
        GRANT_EXTENSION = "grant_extension", _("Extension granted")
        REFUSE_EXTENSION = "refuse_extension", _("Extension refused")
        OVERDUE = "overdue", _("Overdue")
        ESCALATE = "escalate", _("Escalated")
        ATTACH = "attach", _("Evidence added")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="transitions",
        verbose_name=_("ticket"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Ticket.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=Ticket.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket_transitions",
        verbose_name=_("by"),
    )
    # Who acted when there is no user: "system", "citizen", an Open311 client.
    actor_label = models.CharField(_("by (label)"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"))
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    related_ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("related ticket"),
    )

    class Meta:
        verbose_name = _("ticket transition")
        verbose_name_plural = _("ticket transitions")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "report",
                        "register",
                        "dispatch",
                        "redispatch",
                        "accept",
                        "hand_back",
                        "handle",
                        "verify",
                        "verify_fail",
                        "close",
                        "reject",
                        "merge",
                        "absorb",
                        "reopen",
                        "confirm",
                        "request_extension",
                        "grant_extension",
                        "refuse_extension",
                        "overdue",
                        "escalate",
                        "attach",
                    ]
                ),
                name="grid_tickettransition_action_valid",
            )
        ]
        indexes = [
            # a ticket's history, oldest first
            models.Index(fields=["ticket", "at"], name="grid_tickettransition_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.ticket} {self.action}"


def attachment_upload_to(instance, filename: str) -> str:
    # Content-addressed: the same bytes land on one file however often they are
    # sent, and the name reveals nothing of the uploader's file name.
    return f"tickets/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class TicketAttachment(models.Model):
    """Evidence file (证据材料): a photo or document on a ticket, with its SHA-256
    taken at upload and the EXIF place and time read from it."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("ticket"),
    )
    transition = models.ForeignKey(
        TicketTransition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("transition"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    exif_taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    exif_lon = models.FloatField(_("longitude (EXIF)"), null=True, blank=True)
    exif_lat = models.FloatField(_("latitude (EXIF)"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["photo", "document"]),
                name="grid_ticketattachment_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} {self.sha256[:12]}"

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": ".jpg",
            "image/png": ".png",
            "image/webp": ".webp",
            "image/heic": ".heic",
            "application/pdf": ".pdf",
        }.get(self.content_type, ".bin")


class Open311Client(TimeStampedModel):
    """Open311 client (接口客户端): a system allowed to post service requests with
    its ``api_key``. Only the key's SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key (SHA-256)"), max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
