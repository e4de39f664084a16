"""Credit codes (三色码): sector schemes, evaluation cycles, self-assessment, the
published colour with its QR sticker, and due process (objection, appeal, right
to reply, credit repair); night-work applications of construction sites."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.models import Enterprise
from grid.models import District, Street


class Colour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


COLOUR_VALUES = ["green", "yellow", "red"]
COLOUR_RANK = {"green": 0, "yellow": 1, "red": 2}


def _in(field: str, values) -> Q:
    return Q(**{f"{field}__in": list(values)})


def _enterprise_scoped(queryset, user, path: str = "enterprise"):
    return queryset.filter(
        **{f"{path}__in": Enterprise.objects.for_user(user).values("pk")}
    )


# --------------------------------------------------------------------------- schemes


class Scheme(TimeStampedModel):
    """Evaluation scheme (评价方案): one sector's questionnaire and colour rule,
    versioned; a cycle keeps the version it was opened with."""

    class Sector(models.TextChoices):
        CATERING = "catering", _("Catering")
        CONSTRUCTION_SITE = "construction_site", _("Construction site")
        AUTO_REPAIR = "auto_repair", _("Auto repair")
        GENERAL = "general", _("General")

    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    rule = models.JSONField(
        _("colour rule"),
        help_text=_("Thresholds and record factors; shown to enterprises."),
    )
    requirements = models.TextField(
        _("key environmental requirements"),
        blank=True,
        help_text=_("Shown on the public page; one requirement per line."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("public notice (days)"), default=15
    )
    appeal_days = models.PositiveSmallIntegerField(
        _("appeal window (days)"), default=15
    )
    validity_days = models.PositiveSmallIntegerField(
        _("validity of a published colour (days)"), default=365
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["sector", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["sector", "version"], name="credit_scheme_unique_version"
            ),
            models.CheckConstraint(
                condition=_in(
                    "sector",
                    ["catering", "construction_site", "auto_repair", "general"],
                ),
                name="credit_scheme_sector_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def enterprise_sectors(self) -> list[str]:
        """The registry sectors this scheme evaluates."""
        if self.sector == self.Sector.GENERAL:
            specific = set(self.Sector.values) - {self.Sector.GENERAL}
            return [s for s in Enterprise.Sector.values if s not in specific]
        return [self.sector]


class SchemeItem(models.Model):
    """Questionnaire item (评价条目): a statement the enterprise confirms, with
    its weight in points, the evidence it must upload, and whether a "no" is a
    one-vote veto (一票否决) that forces red."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="items", verbose_name=_("scheme")
    )
    code = models.CharField(_("code"), max_length=20)
    group = models.CharField(_("group"), max_length=60)
    text = models.CharField(_("statement"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("weight (points)"), default=0)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    evidence_hint = models.CharField(
        _("evidence to upload"), max_length=200, blank=True
    )
    is_veto = models.BooleanField(_("veto item"), default=False)
    allow_not_applicable = models.BooleanField(
        _("may be not applicable"), default=False
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("questionnaire item")
        verbose_name_plural = _("questionnaire items")
        ordering = ["scheme", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="credit_schemeitem_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(is_veto=False) | Q(allow_not_applicable=False),
                name="credit_schemeitem_veto_always_applies",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


# ---------------------------------------------------------------------------- cycles


class CycleQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        condition = Q(district_id__in=scope.district_ids)
        if scope.street_ids:
            condition |= Q(
                district_id__in=Street.objects.filter(id__in=scope.street_ids).values(
                    "district_id"
                )
            )
        if user is not None and user.is_authenticated:
            condition |= Q(
                evaluations__enterprise__accounts__user_id=user.pk,
            )
        return self.filter(condition).distinct()

    def published(self):
        return self.filter(state=Cycle.State.PUBLISHED)


class Cycle(TimeStampedModel):
    """Evaluation cycle (评价周期): one scheme applied to a district's enterprises
    of its sector (optionally some streets) for a period, from self-assessment to
    the published colour."""

    class State(models.TextChoices):
        OPEN = "open", _("Self-assessment open")
        REVIEW = "review", _("Staff review")
        NOTICE = "notice", _("Public notice")
        PUBLISHED = "published", _("Published")

    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("scheme"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="credit_cycles",
        verbose_name=_("district"),
    )
    streets = models.ManyToManyField(
        Street,
        blank=True,
        related_name="credit_cycles",
        verbose_name=_("streets (empty: the whole district)"),
    )
    name = models.CharField(_("name"), max_length=150)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    self_assessment_due = models.DateTimeField(_("self-assessment due"))
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"))
    appeal_days = models.PositiveSmallIntegerField(_("appeal window (days)"))
    valid_until = models.DateField(_("published colour valid until"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_cycles_opened",
        verbose_name=_("opened by"),
    )
    notice_started_at = models.DateTimeField(_("notice started"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("notice ends"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_cycles_published",
        null=True,
        blank=True,
        verbose_name=_("published by"),
    )

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation cycle")
        verbose_name_plural = _("evaluation cycles")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("state", ["open", "review", "notice", "published"]),
                name="credit_cycle_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="credit_cycle_period_ordered",
            ),
        ]
        indexes = [
            # public list of published cycles, newest first
            models.Index(
                fields=["state", "-published_at"], name="credit_cycle_state_pub"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("credit:cycle-detail", args=[self.pk])


class EvaluationQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)


class Evaluation(TimeStampedModel):
    """Evaluation (信用评价): one enterprise in one cycle — its self-assessment,
    the preliminary colour from the published rule, staff adjustments and the
    final colour."""

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("cycle"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_evaluations",
        verbose_name=_("enterprise"),
    )
    submitted_at = models.DateTimeField(_("self-assessed at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("self-assessed by"),
    )
    self_score = models.FloatField(_("self-assessment score"), null=True, blank=True)
    veto_failed = models.BooleanField(_("veto item failed"), default=False)
    no_self_assessment = models.BooleanField(
        _("did not self-assess"),
        default=False,
        help_text=_("The result comes from official records alone."),
    )
    factor_values = models.JSONField(_("official record factors"), default=dict)
    score = models.FloatField(_("score"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    preliminary_colour = models.CharField(
        _("preliminary colour"), max_length=10, choices=Colour.choices, blank=True
    )
    proposed_colour = models.CharField(
        _("proposed colour"), max_length=10, choices=Colour.choices, blank=True
    )
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    final_colour = models.CharField(
        _("final colour"), max_length=10, choices=Colour.choices, blank=True
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["cycle", "enterprise__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "enterprise"], name="credit_evaluation_unique"
            ),
            models.CheckConstraint(
                condition=Q(preliminary_colour="")
                | _in("preliminary_colour", COLOUR_VALUES),
                name="credit_evaluation_preliminary_valid",
            ),
            models.CheckConstraint(
                condition=Q(proposed_colour="") | _in("proposed_colour", COLOUR_VALUES),
                name="credit_evaluation_proposed_valid",
            ),
            models.CheckConstraint(
                condition=Q(final_colour="") | _in("final_colour", COLOUR_VALUES),
                name="credit_evaluation_final_valid",
            ),
        ]
        indexes = [
            # an enterprise's evaluations, newest cycle first (enterprise pages)
            models.Index(fields=["enterprise", "cycle"], name="credit_eval_ent_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.cycle}"

    def get_absolute_url(self) -> str:
        return reverse("credit:evaluation-detail", args=[self.pk])


def evidence_path(instance, filename: str) -> str:
    return f"credit/evidence/{secrets.token_hex(8)}/{filename}"


class Answer(models.Model):
    """Self-assessment answer (自评答案) to one item, with its evidence file."""

    class Value(models.TextChoices):
        YES = "yes", _("Yes, complies")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("evaluation"),
    )
    item = models.ForeignKey(
        SchemeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    value = models.CharField(_("answer"), max_length=3, choices=Value.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    evidence = models.FileField(
        _("evidence"), upload_to=evidence_path, blank=True, max_length=255
    )
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("self-assessment answer")
        verbose_name_plural = _("self-assessment answers")
        ordering = ["item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "item"], name="credit_answer_unique"
            ),
            models.CheckConstraint(
                condition=_in("value", ["yes", "no", "na"]),
                name="credit_answer_value_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.value}"


class ObjectionQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user, "evaluation__enterprise")


class Objection(TimeStampedModel):
    """Objection (异议) to a proposed result, filed during the public notice."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("evaluation"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    text = models.TextField(_("objection"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in("state", ["open", "upheld", "dismissed"]),
                name="credit_objection_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_state_display()}"


# ------------------------------------------------------------------ published codes


class CreditCodeQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)

    def current(self):
        return self.filter(is_current=True)


class CreditCode(TimeStampedModel):
    """Credit code (信用码): a published colour of one enterprise, dated, with its
    reason. A new colour (next cycle, appeal, repair) supersedes the current one;
    the history stays."""

    class Source(models.TextChoices):
        CYCLE = "cycle", _("Evaluation cycle")
        APPEAL = "appeal", _("Appeal")
        REPAIR = "repair", _("Credit repair")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_codes",
        verbose_name=_("enterprise"),
    )
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="codes",
        null=True,
        blank=True,
        verbose_name=_("evaluation"),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    is_current = models.BooleanField(_("current"), default=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = CreditCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit code")
        verbose_name_plural = _("credit codes")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_current=True),
                name="credit_creditcode_one_current",
            ),
            models.CheckConstraint(
                condition=_in("colour", COLOUR_VALUES),
                name="credit_creditcode_colour_valid",
            ),
            models.CheckConstraint(
                condition=_in("source", ["cycle", "appeal", "repair"]),
                name="credit_creditcode_source_valid",
            ),
        ]
        indexes = [
            # colour_by_enterprise and dashboard counts read the current codes
            models.Index(
                fields=["is_current", "colour"], name="credit_code_current_colour"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_colour_display()}"


def new_sticker_token() -> str:
    """128 random bits, URL-safe: not derived from any id, not enumerable."""
    return secrets.token_urlsafe(16)


class StickerQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)


class Sticker(models.Model):
    """Sticker (码贴): the posted QR code of one publication. Its token is opaque;
    re-issuing revokes the old sticker, whose page then says it is outdated."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_stickers",
        verbose_name=_("enterprise"),
    )
    code = models.ForeignKey(
        CreditCode,
        on_delete=models.PROTECT,
        related_name="stickers",
        verbose_name=_("credit code"),
    )
    token = models.CharField(_("token"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason revoked"), max_length=200, blank=True)

    objects = StickerQuerySet.as_manager()

    class Meta:
        verbose_name = _("sticker")
        verbose_name_plural = _("stickers")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(revoked_at__isnull=True),
                name="credit_sticker_one_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.issued_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("credit-public", args=[self.token])


# ---------------------------------------------------------------------- due process


class AppealQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)

    def pending(self):
        return self.filter(state=Appeal.State.SUBMITTED)


class Appeal(TimeStampedModel):
    """Appeal (申诉) against a published colour, decided by staff who did not make
    the decision; the public page says "under appeal" meanwhile."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_appeals",
        verbose_name=_("enterprise"),
    )
    code = models.ForeignKey(
        CreditCode,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("credit code"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    reason = models.TextField(_("grounds of appeal"), max_length=4000)
    evidence = models.FileField(
        _("evidence"), upload_to=evidence_path, blank=True, max_length=255
    )
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reviewer"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    new_colour = models.CharField(
        _("new colour"), max_length=10, choices=Colour.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in("state", ["submitted", "upheld", "rejected"]),
                name="credit_appeal_state_valid",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(state="submitted"),
                name="credit_appeal_one_pending_per_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("credit:appeal-detail", args=[self.pk])


class ReplyStatementQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)


class ReplyStatement(TimeStampedModel):
    """Right-to-reply statement (企业说明): the enterprise's own words shown beside
    its code once a moderator approves them."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_replies",
        verbose_name=_("enterprise"),
    )
    text = models.TextField(_("statement"), max_length=500)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("moderated by"),
    )
    moderation_reason = models.CharField(
        _("moderation reason"), max_length=500, blank=True
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)

    objects = ReplyStatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply statement")
        verbose_name_plural = _("reply statements")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in(
                    "state", ["submitted", "approved", "rejected", "superseded"]
                ),
                name="credit_reply_state_valid",
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(state="approved"),
                name="credit_reply_one_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_state_display()}"


class RepairRequestQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)


class RepairRequest(TimeStampedModel):
    """Credit repair request (信用修复申请): the enterprise shows it has corrected
    the problem; a verification inspection decides the new colour."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        VERIFYING = "verifying", _("Verification inspection scheduled")
        REPAIRED = "repaired", _("Repaired")
        REJECTED = "rejected", _("Rejected")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_repairs",
        verbose_name=_("enterprise"),
    )
    code = models.ForeignKey(
        CreditCode,
        on_delete=models.PROTECT,
        related_name="repairs",
        verbose_name=_("credit code"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    corrective_actions = models.TextField(_("corrective actions"), max_length=4000)
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, max_length=255)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    inspection_due = models.DateField(_("inspection due"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("inspector"),
    )
    inspection_findings = models.TextField(_("inspection findings"), blank=True)
    new_colour = models.CharField(
        _("new colour"), max_length=10, choices=Colour.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = RepairRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit repair request")
        verbose_name_plural = _("credit repair requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in(
                    "state", ["submitted", "verifying", "repaired", "rejected"]
                ),
                name="credit_repair_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("credit:repair-detail", args=[self.pk])


# ------------------------------------------------------- differentiated supervision


class NightWorkApplicationQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)


class NightWorkApplication(TimeStampedModel):
    """Night-work application (夜间施工申请) of a construction site: a green code is
    approved at once, yellow waits for same-day review, red is refused."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued for same-day review")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="night_work_applications",
        verbose_name=_("construction site"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    work_date = models.DateField(_("night of"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until (next morning)"))
    works = models.CharField(_("works"), max_length=500)
    noise_measures = models.CharField(_("noise measures"), max_length=500, blank=True)
    colour_at_filing = models.CharField(
        _("colour when filed"), max_length=10, choices=Colour.choices, blank=True
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    review_due = models.DateTimeField(_("review due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = NightWorkApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("night-work application")
        verbose_name_plural = _("night-work applications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in("state", ["queued", "approved", "refused"]),
                name="credit_nightwork_state_valid",
            ),
        ]
        indexes = [
            # staff review queue: queued applications by due time
            models.Index(fields=["state", "review_due"], name="credit_nightwork_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.work_date} · {self.get_state_display()}"


# -------------------------------------------------------------------------- the record


class CreditEventQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return _enterprise_scoped(self, user)


class CreditEvent(models.Model):
    """Credit record entry (信用记录): every transition and colour change with who,
    when and why — the transition rows of all the state machines above."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_events",
        null=True,
        blank=True,
        verbose_name=_("enterprise"),
    )
    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        verbose_name=_("cycle"),
    )
    subject = models.CharField(_("subject"), max_length=30)  # e.g. "appeal"
    subject_id = models.BigIntegerField(_("subject id"))
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))

    objects = CreditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit record entry")
        verbose_name_plural = _("credit record")
        ordering = ["-at", "-id"]
        indexes = [
            # the enterprise file's timeline: one enterprise, newest first
            models.Index(fields=["enterprise", "-at"], name="credit_event_ent_at"),
            # a subject's own history (appeal, cycle, ...)
            models.Index(fields=["subject", "subject_id"], name="credit_event_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}:{self.subject_id} {self.action}"
