from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import Notification, NotificationPreference


class NotificationPreferenceForm(forms.ModelForm):
    muted_categories = forms.MultipleChoiceField(
        label=_("Muted categories"),
        choices=Notification.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = NotificationPreference
        fields = [
            "email_enabled",
            "sms_enabled",
            "sms_number",
            "muted_categories",
            "quiet_start",
            "quiet_end",
        ]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean(self):
        data = super().clean()
        if data.get("sms_enabled") and not data.get("sms_number"):
            self.add_error("sms_number", _("Enter the number to send SMS to."))
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error(
                "quiet_end", _("Give both the start and the end of quiet hours.")
            )
        return data


def add_application_error(form: forms.Form, error) -> None:
    """Show a service's ``ApplicationError`` on the form: each problem under the
    field it names when the form has that field, otherwise above the form."""
    for field, problems in error.fields.items():
        if isinstance(problems, dict):  # per row of a file: {row: [problems]}
            problems = [
                gettext("Row %(row)s: %(problem)s") % {"row": row, "problem": problem}
                for row, items in problems.items()
                for problem in items
            ]
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
