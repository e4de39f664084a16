from django import forms
from django.utils.translation import gettext_lazy as _


class LedgerReviewWindowForm(forms.Form):
    """The days of the review queue (Asia/Shanghai), both included."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput({"type": "date"}))
