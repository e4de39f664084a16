"""Forms of the credit pages: they validate input shapes; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.models import Answer, Colour, Scheme
from grid.models import District, Street


class CycleOpenForm(forms.Form):
    scheme = forms.ModelChoiceField(
        queryset=Scheme.objects.filter(is_active=True), label=_("scheme")
    )
    district = forms.ModelChoiceField(
        queryset=District.objects.none(), label=_("district")
    )
    streets = forms.ModelMultipleChoiceField(
        queryset=Street.objects.none(),
        required=False,
        label=_("streets (empty: the whole district)"),
    )
    name = forms.CharField(max_length=150, label=_("name"))
    period_start = forms.DateField(
        label=_("period start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("period end"), widget=forms.DateInput(attrs={"type": "date"})
    )
    self_assessment_due = forms.DateTimeField(
        label=_("self-assessment due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    notice_days = forms.IntegerField(
        min_value=1, max_value=60, required=False, label=_("public notice (days)")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.for_user(user)
        self.fields["streets"].queryset = Street.objects.for_user(user)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AdjustForm(forms.Form):
    colour = forms.ChoiceField(choices=Colour.choices, label=_("colour"))
    reason = forms.CharField(
        label=_("reason (mandatory)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("objection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectionResolveForm(forms.Form):
    upheld = forms.BooleanField(label=_("uphold the objection"), required=False)
    colour = forms.ChoiceField(
        choices=[("", "—"), *Colour.choices], required=False, label=_("new colour")
    )
    resolution = forms.CharField(
        label=_("resolution"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("yes", _("Uphold / approve")), ("no", _("Reject / refuse"))],
        widget=forms.RadioSelect,
        label=_("decision"),
    )
    new_colour = forms.ChoiceField(
        choices=[("", "—"), *Colour.choices], required=False, label=_("new colour")
    )
    reason = forms.CharField(
        label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("grounds of appeal"), max_length=4000, widget=forms.Textarea
    )
    evidence = forms.FileField(label=_("evidence (photo or PDF)"), required=False)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("statement (shown beside your code after moderation)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RepairForm(forms.Form):
    corrective_actions = forms.CharField(
        label=_("corrective actions"), max_length=4000, widget=forms.Textarea
    )
    evidence = forms.FileField(label=_("evidence (photo or PDF)"))


class RepairScheduleForm(forms.Form):
    inspection_due = forms.DateField(
        label=_("inspection due"), widget=forms.DateInput(attrs={"type": "date"})
    )


class NightWorkForm(forms.Form):
    work_date = forms.DateField(
        label=_("night of"), widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_at = forms.TimeField(
        label=_("from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        label=_("until (next morning)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    works = forms.CharField(label=_("works"), max_length=500)
    noise_measures = forms.CharField(
        label=_("noise measures"), max_length=500, required=False
    )


def self_assessment_fields(form: forms.Form, items) -> None:
    """One answer, note and evidence field per questionnaire item."""
    for item in items:
        choices = [
            (Answer.Value.YES, Answer.Value.YES.label),
            (Answer.Value.NO, Answer.Value.NO.label),
        ]
        if item.allow_not_applicable:
            choices.append(
                (Answer.Value.NOT_APPLICABLE, Answer.Value.NOT_APPLICABLE.label)
            )
        form.fields[f"value_{item.code}"] = forms.ChoiceField(
            choices=choices, widget=forms.RadioSelect, label=item.text, required=False
        )
        form.fields[f"note_{item.code}"] = forms.CharField(
            max_length=500, required=False, label=_("note")
        )
        form.fields[f"evidence_{item.code}"] = forms.FileField(
            required=False,
            label=item.evidence_hint or _("evidence"),
        )


class SelfAssessmentForm(forms.Form):
    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self_assessment_fields(self, self.items)

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            item.code: {
                "value": data.get(f"value_{item.code}") or None,
                "note": data.get(f"note_{item.code}", ""),
                "evidence": data.get(f"evidence_{item.code}"),
            }
            for item in self.items
        }
