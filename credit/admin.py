from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credit import rules, services
from credit.models import (
    Appeal,
    CreditCode,
    CreditEvent,
    Cycle,
    Evaluation,
    NightWorkApplication,
    RepairRequest,
    ReplyStatement,
    Scheme,
    SchemeItem,
    Sticker,
)


class SchemeItemInline(admin.TabularInline):
    model = SchemeItem
    extra = 0


class SchemeForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = "__all__"  # noqa: DJ007 - the admin edits every field

    def clean_rule(self):
        rule = self.cleaned_data["rule"]
        problems = rules.validate_rule(rule)
        if problems:
            raise ValidationError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items())
            )
        return rule


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    form = SchemeForm
    list_display = ["name", "sector", "version", "is_active", "notice_days"]
    list_filter = ["sector", "is_active"]
    inlines = [SchemeItemInline]
    actions = ["new_version", "activate"]

    def has_change_permission(self, request, obj=None):
        # a version used by a cycle is frozen: change it through a new version
        if obj is not None and obj.cycles.exists():
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Copy into a new (inactive) version"))
    def new_version(self, request, queryset):
        for scheme in queryset:
            copy = services.scheme_new_version(scheme=scheme, user=request.user)
            messages.success(request, str(copy))

    @admin.action(description=_("Make this version the active one"))
    def activate(self, request, queryset):
        for scheme in queryset:
            services.scheme_activate(scheme=scheme, user=request.user)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "scheme", "district", "state", "period_start"]
    list_filter = ["state", "scheme__sector"]
    search_fields = ["name"]
    readonly_fields = [
        "state",
        "notice_started_at",
        "notice_ends_at",
        "published_at",
        "published_by",
    ]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "cycle", "preliminary_colour", "proposed_colour"]
    list_filter = ["proposed_colour", "no_self_assessment", "cycle"]
    search_fields = ["enterprise__name"]
    raw_id_fields = ["enterprise", "cycle", "submitted_by", "decided_by"]

    def has_change_permission(self, request, obj=None):
        return False  # changes go through the review pages, with a reason


@admin.register(CreditCode)
class CreditCodeAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "colour", "source", "valid_from", "is_current"]
    list_filter = ["colour", "source", "is_current"]
    search_fields = ["enterprise__name"]
    raw_id_fields = ["enterprise", "evaluation", "decided_by"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Sticker)
class StickerAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "issued_at", "revoked_at"]
    search_fields = ["enterprise__name"]
    raw_id_fields = ["enterprise", "code", "issued_by"]
    exclude = ["token"]  # the token is a secret of the sticker itself


for model, fields in (
    (Appeal, ["enterprise", "state", "created_at", "reviewer"]),
    (ReplyStatement, ["enterprise", "state", "created_at"]),
    (RepairRequest, ["enterprise", "state", "created_at", "inspection_due"]),
    (NightWorkApplication, ["enterprise", "work_date", "state", "colour_at_filing"]),
    (CreditEvent, ["at", "subject", "subject_id", "action", "to_state", "actor"]),
):
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (admin.ModelAdmin,),
            {
                "list_display": fields,
                "list_filter": ["state"] if "state" in fields else ["action"],
                "search_fields": ["enterprise__name"],
                "raw_id_fields": ["enterprise"],
            },
        ),
    )
