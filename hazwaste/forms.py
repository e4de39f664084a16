from django import forms
from django.utils.translation import gettext_lazy as _


class LedgerReviewWindowForm(forms.Form):
    """The days of the review queue (Asia/Shanghai), both included."""

    start = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Last day"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
