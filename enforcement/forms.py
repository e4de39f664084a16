from django import forms
from django.utils.translation import gettext_lazy as _

from enforcement.models import Enterprise, Inspection, PenaltyDecision, Violation
from grid.models import District, Street
from grid.selectors import user_scope


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    confirm = forms.BooleanField(
        label=_("Save the rows (leave unticked for a dry run)"), required=False
    )


class ViolationForm(forms.Form):
    law_article = forms.CharField(label=_("Law article"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Violation.Severity.choices
    )
    found_on = forms.DateField(
        label=_("Found on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    inspection = forms.ModelChoiceField(
        label=_("Found in inspection"),
        queryset=Inspection.objects.none(),
        required=False,
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = enterprise.inspections.order_by(
            "-inspected_on"
        )


class PenaltyForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decided_on = forms.DateField(
        label=_("Decision date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_yuan = forms.DecimalField(
        label=_("Fine (yuan)"), max_digits=14, decimal_places=2, initial=0
    )
    measures = forms.MultipleChoiceField(
        label=_("Measures"),
        choices=PenaltyDecision.Measure.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    rectification_deadline = forms.DateField(
        label=_("Rectification deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rectification_requirements = forms.CharField(
        label=_("Rectification requirements"), required=False, widget=forms.Textarea
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


class RectificationOrderForm(forms.Form):
    deadline = forms.DateField(
        label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    requirements = forms.CharField(label=_("Requirements"), widget=forms.Textarea)


class RecheckForm(forms.Form):
    inspection = forms.ModelChoiceField(
        label=_("Re-check inspection"), queryset=Inspection.objects.none()
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea)

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = enterprise.inspections.order_by(
            "-inspected_on"
        )


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none()
    )
    period_start = forms.DateField(
        label=_("Period start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period end"), widget=forms.DateInput(attrs={"type": "date"})
    )
    streets = forms.ModelMultipleChoiceField(
        label=_("Streets (none: the whole district)"),
        queryset=Street.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors (none: all)"),
        choices=Enterprise.Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    inspectors_per_target = forms.IntegerField(
        label=_("Inspectors per target"), min_value=2, max_value=5, initial=2
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = user_scope(user=user)
        districts = District.objects.for_user(user)
        if not scope.is_superuser:
            districts = districts.filter(pk__in=scope.district_ids)
        self.fields["district"].queryset = districts
        if districts.count() == 1:
            self.fields["district"].initial = districts.first()
        self.fields["streets"].queryset = Street.objects.filter(district__in=districts)


def add_service_errors(form: forms.Form, error) -> None:
    """Show a service's InvalidInput on the form: on the named field if the form
    has it, otherwise at the top."""
    for name, messages in error.fields.items():
        target = name if name in form.fields else None
        if isinstance(messages, dict):
            messages = [
                f"{key}: {' '.join(map(str, value))}" for key, value in messages.items()
            ]
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, str(message))
