from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enforcement.models import (
    ChecklistItem,
    ChecklistTemplate,
    Colour,
    Enterprise,
    EnterpriseAccount,
    HealthCode,
    HealthCodeChange,
    Inspection,
    InspectionAnswer,
    InspectionOfficer,
    InspectionPlan,
    PenaltyDecision,
    RecomputeRun,
    RectificationOrder,
    Recusal,
    RiskModel,
    RiskModelFactor,
    RiskTier,
    StatusChange,
    Violation,
)
from enforcement.registry import factors
from enforcement.services.checklists import checklist_template_new_version
from enforcement.services.risk_models import (
    risk_model_activate,
    risk_model_next_version,
)


class EnterpriseAccountInline(admin.TabularInline):
    model = EnterpriseAccount
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "sector", "status", "street", "grid_cell"]
    list_filter = ["sector", "status", "street", "location_override"]
    search_fields = ["name", "uscc", "address"]
    list_select_related = ["street", "grid_cell"]
    raw_id_fields = ["grid_cell"]
    inlines = [EnterpriseAccountInline]


@admin.register(EnterpriseAccount)
class EnterpriseAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise"]
    search_fields = ["user__username", "enterprise__name", "enterprise__uscc"]
    autocomplete_fields = ["user", "enterprise"]


# ------------------------------------------------------------ checklists


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = [
        "position",
        "code",
        "question",
        "kind",
        "compliant_answer",
        "limit_max",
        "unit",
        "legal_basis",
        "is_required",
        "is_major",
    ]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.inspections.exists()

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """A template used by an inspection is frozen; "new version" copies it."""

    list_display = ["title", "domain", "version", "is_active"]
    list_filter = ["domain", "is_active"]
    inlines = [ChecklistItemInline]
    actions = ["new_version"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.inspections.exists():
            return ["domain", "version", "title", "note"]
        return []

    @admin.action(description=_("Copy as a new version (and make it active)"))
    def new_version(self, request, queryset):
        for template in queryset:
            copy = checklist_template_new_version(template=template)
            self.message_user(request, _("Created %(t)s.") % {"t": copy})


# ------------------------------------------------------------ records


class InspectionOfficerInline(admin.TabularInline):
    model = InspectionOfficer
    extra = 0
    raw_id_fields = ["officer"]


class InspectionAnswerInline(admin.TabularInline):
    model = InspectionAnswer
    extra = 0
    raw_id_fields = ["item"]


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Legal records are written through the services (which check them and
    keep their history); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyRecordAdmin):
    list_display = ["enterprise", "inspected_on", "result", "template"]
    list_filter = ["result", "template__domain"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise", "template"]
    inlines = [InspectionOfficerInline, InspectionAnswerInline]


@admin.register(Violation)
class ViolationAdmin(ReadOnlyRecordAdmin):
    list_display = ["enterprise", "found_on", "law_article", "severity", "status"]
    list_filter = ["severity", "status"]
    search_fields = ["enterprise__name", "law_article"]
    list_select_related = ["enterprise"]


@admin.register(PenaltyDecision)
class PenaltyDecisionAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "decision_number",
        "enterprise",
        "decided_on",
        "amount_yuan",
        "status",
    ]
    list_filter = ["status"]
    search_fields = ["decision_number", "enterprise__name"]
    list_select_related = ["enterprise"]


@admin.register(RectificationOrder)
class RectificationOrderAdmin(ReadOnlyRecordAdmin):
    list_display = ["enterprise", "issued_on", "deadline", "status"]
    list_filter = ["status"]
    list_select_related = ["enterprise"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyRecordAdmin):
    list_display = ["record_type", "record_id", "from_status", "to_status", "by", "at"]
    list_filter = ["record_type"]


@admin.register(Recusal)
class RecusalAdmin(admin.ModelAdmin):
    list_display = ["officer", "enterprise", "reason", "created_at"]
    raw_id_fields = ["enterprise", "officer"]
    search_fields = ["enterprise__name", "officer__username"]


# ------------------------------------------------------------ risk models


class RiskModelFactorForm(forms.ModelForm):
    factor = forms.ChoiceField(label=_("factor"), choices=())

    class Meta:
        model = RiskModelFactor
        fields = ["factor", "weight", "half_life_days", "cap", "veto_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = [
            (name, f"{factor.label} ({name})") for name, factor in factors().items()
        ]


class RiskModelFactorInline(admin.TabularInline):
    model = RiskModelFactor
    form = RiskModelFactorForm
    extra = 0


class RiskTierFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if sorted(row["colour"] for row in rows) != sorted(Colour.values):
            raise forms.ValidationError(
                _("Give each colour (green, yellow, red) exactly once.")
            )


class RiskTierInline(admin.TabularInline):
    model = RiskTier
    formset = RiskTierFormSet
    extra = 0
    max_num = 3


class RiskModelForm(forms.ModelForm):
    class Meta:
        model = RiskModel
        fields = ["name", "note", "yellow_from", "red_from"]

    def clean(self):
        data = super().clean()
        yellow, red = data.get("yellow_from"), data.get("red_from")
        if yellow is not None and red is not None and red <= yellow:
            self.add_error(
                "red_from", _("The red threshold must be above the yellow threshold.")
            )
        return data


@admin.register(RiskModel)
class RiskModelAdmin(admin.ModelAdmin):
    """Saving a risk model never changes it: it saves a new version, makes it
    active, and leaves every code computed with the old one as it was."""

    form = RiskModelForm
    list_display = [
        "version",
        "name",
        "is_active",
        "yellow_from",
        "red_from",
        "created_at",
    ]
    readonly_fields = ["version", "is_active", "created_by", "created_at"]
    inlines = [RiskModelFactorInline, RiskTierInline]
    save_as = True

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            request.POST = request.POST.copy()
            request.POST["_saveasnew"] = "1"
        extra_context = {
            **(extra_context or {}),
            "subtitle": _("Saving creates a new version; existing codes keep theirs."),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj.pk = None
        obj.version = risk_model_next_version()
        obj.is_active = False
        obj.created_by = request.user
        obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        risk_model_activate(model=form.instance)


@admin.register(HealthCode)
class HealthCodeAdmin(ReadOnlyRecordAdmin):
    list_display = ["enterprise", "colour", "score", "model", "computed_at"]
    list_filter = ["colour", "model"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise", "model"]


@admin.register(HealthCodeChange)
class HealthCodeChangeAdmin(ReadOnlyRecordAdmin):
    list_display = ["enterprise", "from_colour", "to_colour", "score", "changed_at"]
    list_filter = ["to_colour", "trigger"]
    list_select_related = ["enterprise"]


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyRecordAdmin):
    list_display = ["started_at", "status", "trigger", "done", "total", "changed"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnlyRecordAdmin):
    list_display = ["name", "district", "period_start", "period_end", "status"]
    list_filter = ["status", "district"]
